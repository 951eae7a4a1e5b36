"""New ORM objects written with Core INSERTs instead of a flush, then kept in the session as loaded.

Flushing a handful of new objects costs several times their INSERTs: the unit of work sorts the
mappers and their dependencies, collects each object's history and syncs every foreign key.
A hot path that builds a known set of new objects (a case start: the case, its first timeline
line, its process instance and its inbox rows; a completion: the next inbox rows and its timeline
line) hands them to ``write``: each table's rows go in one INSERT ... RETURNING id (a statement
SQLAlchemy compiles once and caches; on PostgreSQL all tables' in one statement, see ``_chained``),
with exactly the columns and values the ORM would have written, and the objects are then registered
as the flush registers what it wrote (``Session._register_persistent``, the unit of work's last step:
persistent, in the identity map, nothing to flush), so callers use them as before.

Being the flush's own bookkeeping, a rollback of the transaction (or savepoint) that wrote them
forgets them as it forgets flushed new objects: they leave the session, so a later row that gets
the same id (SQLite hands out rolled-back ids again) never meets a stale object in the identity map.
"""
import threading
import weakref

from sqlalchemy import bindparam, insert, inspect, literal_column, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.orm.interfaces import MANYTOONE

from ..extensions import db
from . import upserts

_MISSING = object()
_WROTE_IN = "new_rows.wrote_in"  # Session.info: a weak reference to the transaction that last wrote here


class _Plan:
    """How the ORM turns an object of one mapper into an INSERT, worked out once per mapper."""

    def __init__(self, mapper):
        self.table = mapper.local_table
        self.pk = mapper.primary_key[0]
        # Built once, so SQLAlchemy finds their compiled form in its cache: one row takes its id
        # from the driver (lastrowid, or the RETURNING PostgreSQL adds), several from RETURNING.
        self.insert_one = insert(self.table)
        self.insert_many = insert(self.table).returning(self.pk, sort_by_parameter_order=True)
        self.columns = []  # (key, default maker or None, None is a value (JSON), has a server default)
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column.table is not self.table or column is self.pk:
                continue
            if prop.key != column.key:
                raise TypeError(f"{column}: an attribute named unlike its column is not written here")
            default = column.default
            if default is not None and not (default.is_scalar or default.is_callable):
                raise TypeError(f"{column}: only scalar and Python callable defaults are written here")
            maker = None if default is None else (
                (lambda value=default.arg: value) if default.is_scalar else (lambda fn=default.arg: fn(None)))
            self.columns.append((column.key, maker, column.type.should_evaluate_none, column.server_default is not None))
        self.keys = frozenset(key for key, _maker, _none, _server in self.columns)
        self.new_instance = mapper.class_manager.new_instance
        # Left to the server's default when not given: read back when first read, as after a flush.
        self.server_defaults = [key for key, maker, _none, server in self.columns if server and maker is None]
        # Foreign keys the ORM copies from a related object at flush (``row.case = case``).
        self.parents = [(rel.key, [(local.key, rel.mapper.get_property_by_column(remote).key)
                                   for local, remote in rel.local_remote_pairs])
                        for rel in mapper.relationships if rel.direction is MANYTOONE]

    def values(self, obj):
        """({column: value} the ORM would insert for ``obj``, {column: value} it reads back without
        inserting it): defaults applied, a JSON column never set left out (SQL NULL, not JSON null)."""
        state = obj.__dict__
        row, left_out = {}, {}
        for key, maker, none_is_value, has_server_default in self.columns:
            value = state.get(key, _MISSING)
            if value is None and not none_is_value:
                value = _MISSING  # as the ORM: an explicit None means "use the default"
            if value is _MISSING:
                if maker is not None:
                    value = maker()
                elif none_is_value:
                    left_out[key] = None
                    continue
                elif has_server_default:
                    continue  # the server's default; the attribute loads when first read
                else:
                    value = None
            row[key] = value
        for relation, pairs in self.parents:
            if relation in state:
                parent = state[relation]
                for local, remote in pairs:
                    row[local] = None if parent is None else getattr(parent, remote)
        return row, left_out

    def unready_parent(self, obj, ours):
        """Whether ``obj`` points at an object outside ``ours`` (ids of objects) that has no id yet."""
        state = obj.__dict__
        for relation, pairs in self.parents:
            parent = state.get(relation)
            if parent is not None and id(parent) not in ours and \
                    any(getattr(parent, remote) is None for _local, remote in pairs):
                return True
        return False


_plans = {}
_plans_lock = threading.Lock()


def _plan(cls):
    plan = _plans.get(cls)
    if plan is None:
        with _plans_lock:  # threaded workers: built once per mapper
            plan = _plans.get(cls)
            if plan is None:
                plan = _plans[cls] = _Plan(inspect(cls))
    return plan


def fresh(cls, **values):
    """A new object of model ``cls`` holding the column ``values``, as ``cls(**values)`` holds them.

    Without the attribute event the constructor fires for each value (a few microseconds each:
    a completion's next inbox row and timeline line set about twenty). A new object needs none of
    what they record: its INSERT, here or the flush's, takes every value it holds. Columns only
    (not the primary key): a relationship set so would not give the flush its foreign key, so
    relationships are set on the object as usual.
    """
    plan = _plan(cls)
    if not values.keys() <= plan.keys:
        raise TypeError(f"{sorted(values.keys() - plan.keys)}: not columns written for {cls.__name__}")
    obj = plan.new_instance()
    instance_dict(obj).update(values)
    return obj


def write(groups, along=None, to_flush=False):
    """Write new (pending) objects with Core INSERTs; True when done, False when left to the flush.

    ``groups``: lists of new objects of one model each, parents before the objects that point at
    them (a case before its instance, the instance before its inbox rows). Nothing is written,
    and the ORM flushes them at commit as before, when ``to_flush`` says so (a start stopped at
    an incident), when one of them is not pending or points at an object outside the groups that
    has no id yet, or when this transaction already wrote through here: many new objects in one
    transaction (a bulk job's starts) are cheaper as the flush's multi-row INSERTs than as
    statements of their own (on PostgreSQL above all).

    ``along``: (upserts, values) as ``upserts.execute_together`` takes them (a start's counters),
    run exactly once whatever this returns: in the rows' statement when they are written in one
    (PostgreSQL), else by themselves. This is the one place that says so: callers hand their
    counters here on every path.
    """
    written = False if to_flush else _rows(groups, along)
    if along is not None and written is not _WITH_ALONG:
        run_along(along)
    return bool(written)


class AlongMissed(Exception):
    """A write along (``upserts.checked``) that must change one row changed none: the caller
    rolls back (an instance another writer saved first)."""


def run_along(along):
    """Run ``along`` ((upserts, values), as ``write`` takes it) by itself, its checked writes checked."""
    statements, values = along
    if len(statements) > 1 and any(upserts.checked(statement) for statement in statements):
        # Chained, the statements tell no counts: checked writes go one by one, each counted.
        counts = [upserts.execute_together(db.session, (statement,), values)[0] for statement in statements]
    else:
        counts = upserts.execute_together(db.session, statements, values)
    if counts is not None and any(upserts.checked(statement) and count != 1
                                  for statement, count in zip(statements, counts)):
        raise AlongMissed()


_WITH_ALONG = "with along"  # _rows' answer: written, and ``along`` ran in the rows' statement


def _rows(groups, along):
    """Write ``groups`` (``write``'s rules): False, True, or _WITH_ALONG when ``along`` ran too."""
    session = db.session()  # the Session itself (its transactions, its info)
    wrote_in = session.info.get(_WROTE_IN)
    if wrote_in is not None and wrote_in() is session.get_transaction():
        return False
    groups = [(group, _plan(type(group[0]))) for group in groups if group]
    states = [(inspect(obj), plan) for group, plan in groups for obj in group]
    ours = {id(state.obj()) for state, _plan_of in states}
    for state, plan in states:
        if not state.pending or plan.unready_parent(state.obj(), ours):
            return False
    connection = session.connection()
    chained = _chained(groups, along) if connection.dialect.name == "postgresql" else None
    if chained is not None:
        _insert_chained(connection, *chained)
    else:
        _insert_by_table(connection, groups)
    # What the flush does last with the rows it wrote: the objects become persistent, their
    # values committed, and the transaction (or savepoint) remembers them as its new objects.
    session._register_persistent({state for state, _plan_of in states})
    for state, plan in states:
        unread = [key for key in plan.server_defaults if key not in state.dict]
        if unread:
            state._expire_attributes(state.dict, unread)
    session.info[_WROTE_IN] = weakref.ref(session.get_transaction())
    return _WITH_ALONG if chained is not None and along is not None else True


def _insert_by_table(connection, groups):
    """One INSERT per run of objects of one table with the same columns, parents first."""
    for group, plan in groups:
        runs = []  # consecutive objects with the same columns share one statement, ids in order
        for obj in group:
            row, left_out = plan.values(obj)
            if runs and tuple(runs[-1][-1][1]) == tuple(row):
                runs[-1].append((obj, row, left_out))
            else:
                runs.append([(obj, row, left_out)])
        for same in runs:
            if len(same) == 1:
                ids = connection.execute(plan.insert_one, same[0][1]).inserted_primary_key
            else:
                ids = connection.execute(plan.insert_many, [row for _obj, row, _left in same]).scalars().all()
            for (obj, row, left_out), new_id in zip(same, ids):
                _loaded(obj, plan, row, left_out, new_id)


def _loaded(obj, plan, row, left_out, new_id):
    # Column values as written (the flush's bookkeeping in ``write`` then marks them committed).
    values = instance_dict(obj)
    values.update(row)
    values.update(left_out)
    values[plan.pk.key] = new_id


# PostgreSQL: every object one INSERT ... RETURNING in a WITH query of a single statement, a
# parent's new id handed to its children inside the statement: one round trip for a case start's
# four tables instead of four. Keyed by the objects' tables, columns and links; a few per process.
_CHAINED = {}
_CHAINED_LIMIT = 256
_CHAINED_MOST_OBJECTS = 12  # more (a start opening many tasks): an INSERT per table, as elsewhere


def _chained(groups, along=None):
    """(items, the statement, the along values) writing ``groups`` and running ``along``'s upserts
    in one statement, or None when it does not fit."""
    items, position = [], {}  # items: (object, plan, row, left out, ((column, parent position), ...))
    for group, plan in groups:
        for obj in group:
            row, left_out = plan.values(obj)
            links = []
            for relation, pairs in plan.parents:
                parent = obj.__dict__.get(relation)
                if parent is None or id(parent) not in position:
                    continue
                parent_plan = items[position[id(parent)]][1]
                for local, remote in pairs:
                    if remote != parent_plan.pk.key:
                        return None
                    links.append((local, position[id(parent)]))
                    row.pop(local, None)
            position[id(obj)] = len(items)
            items.append((obj, plan, row, left_out, tuple(links)))
    if len(items) > _CHAINED_MOST_OBJECTS:
        return None
    upserts_along, values_along = along if along is not None else ((), {})
    shape = (tuple((plan.table.name, tuple(row), links) for _obj, plan, row, _left, links in items), upserts_along)
    statement = _CHAINED.get(shape)
    if statement is None:
        statement = _chained_statement(items, upserts_along)
        if len(_CHAINED) < _CHAINED_LIMIT:  # threads may build one twice, alike
            _CHAINED[shape] = statement
    return items, statement, values_along


def _chained_statement(items, upserts_along):
    # The upserts first (their order before), then the rows; their binds are named by column, the
    # rows' by position and column (n0_kind), so no name is shared between the two.
    parts = [(f"along_{index}", upserts.compiled_of(statement)) for index, statement in enumerate(upserts_along)]
    for index, (_obj, plan, row, _left, links) in enumerate(items):
        table = plan.table
        values = {key: bindparam(f"n{index}_{key}") for key in row}
        for local, parent in links:
            values[local] = literal_column(f"(SELECT {items[parent][1].pk.name} FROM new_{parent})")
        construct = insert(table).values(values).returning(plan.pk)
        parts.append((f"new_{index}", upserts.as_text(construct, postgresql, {
            f"n{index}_{key}": table.c[key].type for key in row}, f"insert into {table.name}")))
    # Read in order, so the rows of one table get their ids in the order the flush would give them.
    sql = "SELECT " + ", ".join(f"(SELECT {plan.pk.name} FROM new_{index}) AS id_{index}"
                                for index, (_obj, plan, _row, _left, _links) in enumerate(items))
    # After the ids: how many rows each checked write along changed (it must be one).
    sql += "".join(f", (SELECT count(*) FROM along_{index}) AS along_{index}"
                   for index, statement in enumerate(upserts_along) if upserts.checked(statement))
    return upserts.chain(parts, upserts.Compiled(text(sql), sql, ())).statement


def _insert_chained(connection, items, statement, values_along):
    params = {f"n{index}_{key}": value for index, (_obj, _plan, row, _left, _links) in enumerate(items)
              for key, value in row.items()}
    params.update(values_along)
    ids = upserts.execute_text(connection, statement, params).one()
    if any(count != 1 for count in ids[len(items):]):  # a checked write along changed no row
        raise AlongMissed()
    for (obj, plan, row, left_out, links), new_id in zip(items, ids):
        for local, parent in links:
            row[local] = ids[parent]
        _loaded(obj, plan, row, left_out, new_id)
