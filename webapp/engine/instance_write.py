"""A completion's writes of the instance row and the completed inbox row, as statements built once.

Through the unit of work these cost more than the rest of the engine adapter together: the
profile of a visit completion showed two flushes per completion (the instance on its own, to
see a lost race, then the rest at the commit), each sorting the dependencies of every mapper
touched, for three small UPDATEs. Here each is one prepared UPDATE, and the objects are told
the written values as their committed state: they never become dirty, so the commit flushes only
the rows that are new (the next inbox rows and the timeline lines).

The instance UPDATE keeps the optimistic lock of ``version_id_col`` (``WHERE version = :read``,
design invariant 3; PostgreSQL also holds the row lock): no row updated means another writer
saved the instance first, and the caller reports the lost race.
"""
from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..infra import upserts
from ..models import InboxTask, ProcessInstance
from ..models.base import utcnow

# Every column a save may set (``save_workflow``); the others never change after the start.
COLUMNS = ("state", "status", "next_timer_at", "passed", "serializer_version", "updated_at")
# Written only when given (a save gives it when the path grew): the stored value written again
# cost each completion a JSON encoding and the driver's adaptation of it, for the same value.
_WHEN_GIVEN = "passed"
_instances = ProcessInstance.__table__


def _write_instance_statement(names):
    return (update(_instances)
            .where(_instances.c.id == bindparam("w_id"), _instances.c.version == bindparam("w_read_version"))
            .values({name: bindparam(f"w_{name}", type_=_instances.c[name].type) for name in names}
                    | {"version": bindparam("w_version", type_=_instances.c.version.type)}))


# By whether ``_WHEN_GIVEN`` is written: (its columns, the UPDATE), built once.
_WRITES = {given: (names, _write_instance_statement(names))
           for given, names in ((True, COLUMNS), (False, tuple(name for name in COLUMNS if name != _WHEN_GIVEN)))}

_rows = InboxTask.__table__
_ROW_FIELDS = ("state", "completed_at", "completed_by_id")
_SET_ROW = (update(_rows).where(_rows.c.id == bindparam("w_id"), _rows.c.state == bindparam("w_was"))
            .values({name: bindparam(f"w_{name}", type_=_rows.c[name].type) for name in _ROW_FIELDS}))


# a row changed says the version held
_WRITES_CHECKED = {given: statement.returning(_instances.c.id) for given, (_names, statement) in _WRITES.items()}


def _execute(statement, params):
    connection = db.session.connection()
    # Text compiled once per database: SQLAlchemy would walk the construct for its cache key and
    # process its parameters through the compiled form on each run.
    as_text = upserts.text_for(statement, connection.dialect.name, "write of the engine")
    if as_text is None:  # another database: the construct, as SQLAlchemy runs it
        return connection.execute(statement, params).rowcount
    return upserts.execute_text(connection, as_text, params).rowcount


def _instance_values(instance, columns):
    given = _WHEN_GIVEN in columns
    names, statement = _WRITES[given]
    values = {name: columns[name] if name in columns else getattr(instance, name) for name in names}
    read_version = instance.version
    params = {f"w_{name}": value for name, value in values.items()}
    params.update(w_id=instance.id, w_read_version=read_version, w_version=read_version + 1)
    return given, statement, values, params


def _written(instance, values):
    for name, value in values.items():
        set_committed_value(instance, name, value)
    set_committed_value(instance, "version", instance.version + 1)


def write_instance(instance, columns):
    """UPDATE ``instance`` with ``columns`` (names in COLUMNS) at the version it was read at.

    Returns False, writing nothing, when another writer changed the instance first. Columns
    not given are written with their current values (``passed`` stays as stored).
    """
    _given, statement, values, params = _instance_values(instance, columns)
    if _execute(statement, params) != 1:
        return False
    _written(instance, values)
    return True


def instance_write_along(instance, columns):
    """``write_instance``'s UPDATE as (statements, values) for ``new_rows.write``'s ``along``, the
    object told the written values now; PostgreSQL only.

    For a caller holding the instance's row lock (``FOR UPDATE``) since it read the version: no
    other writer can move it, so the UPDATE may go with the transaction's next write (the
    completion's new inbox rows and timeline line: one statement). Its version check still holds:
    that write raises ``new_rows.AlongMissed`` when it changed no row.
    """
    given, _statement, values, params = _instance_values(instance, columns)
    statement = upserts.chainable(("postgresql", "process_instance", "write_instance", given),
                                  _WRITES_CHECKED[given], "write of process_instance")
    _written(instance, values)
    return (statement,), params


def _set_row(row, was, state, completed_at, completed_by):
    by_id = getattr(completed_by, "id", None)
    changed = _execute(_SET_ROW, {"w_id": row.id, "w_was": was, "w_state": state, "w_completed_at": completed_at,
                                  "w_completed_by_id": by_id})
    if changed != 1:
        return False
    for name, value in (("state", state), ("completed_at", completed_at), ("completed_by_id", by_id)):
        set_committed_value(row, name, value)
    return True


def mark_completed(row, actor):
    """The ready inbox ``row`` is completed by ``actor``; False when it was not ready any more."""
    return _set_row(row, "ready", "completed", utcnow(), actor)


def reopen(row):
    """Undo ``mark_completed`` in the same transaction (the step's result could not be saved)."""
    _set_row(row, "completed", "ready", None, None)
