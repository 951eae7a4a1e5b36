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

On PostgreSQL, where the completion holds the instance's row lock, the completed row's UPDATE
is deferred (``mark_completed(defer=True)``): the row is told its values at once, and its UPDATE
goes as one more write along the instance's (``mark_along``: the statement of the next inbox rows
and the timeline line), one statement fewer per completion. Whatever would read the database
before then sees it written first: any statement of the session (``install``: a service
operation's queries, the assigner's look for who did a step last), a service operation's
savepoint (``settle``, from the run's service handler) and a reopening.
"""
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..infra import upserts
from ..infra.listeners import listen_once
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


def _set_row_statement(prefix):
    return (update(_rows).where(_rows.c.id == bindparam(f"{prefix}id"), _rows.c.state == bindparam(f"{prefix}was"))
            .values({name: bindparam(f"{prefix}{name}", type_=_rows.c[name].type) for name in _ROW_FIELDS}))


_SET_ROW = _set_row_statement("w_")
# The deferred mark, as a write along the instance's: its binds named apart from the instance's.
_MARK_ALONG = _set_row_statement("r_").returning(_rows.c.id)
_PENDING = "instance_write.pending_mark"  # session.info: (transaction, the UPDATE's values) of a deferred mark


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


def _row_values(prefix, row_id, was, state, completed_at, by_id):
    """The binds of ``_set_row_statement(prefix)``."""
    return {f"{prefix}id": row_id, f"{prefix}was": was, f"{prefix}state": state,
            f"{prefix}completed_at": completed_at, f"{prefix}completed_by_id": by_id}


def _told(row, state, completed_at, by_id):
    for name, value in (("state", state), ("completed_at", completed_at), ("completed_by_id", by_id)):
        set_committed_value(row, name, value)


def _set_row(row, was, state, completed_at, by_id):
    if _execute(_SET_ROW, _row_values("w_", row.id, was, state, completed_at, by_id)) != 1:
        return False
    _told(row, state, completed_at, by_id)
    return True


class MarkMissed(StaleDataError):
    """A deferred mark found its row no longer ready: another writer completed it first. A
    StaleDataError, so an engine run passes it on to the completion (``incidents.PASSTHROUGH``)."""


def mark_completed(row, actor, defer=False):
    """The ready inbox ``row`` is completed by ``actor``; False when it was not ready any more.

    ``defer`` (PostgreSQL, the caller holding the instance's row lock): the row is told so now,
    its UPDATE waits for ``mark_along`` (or a read, ``settle``), which raises MarkMissed when it
    changed no row; True.
    """
    completed_at, by_id = utcnow(), getattr(actor, "id", None)
    if not defer:
        return _set_row(row, "ready", "completed", completed_at, by_id)
    session = db.session()
    session.info[_PENDING] = (session.get_transaction(), (row.id, "ready", "completed", completed_at, by_id))
    _told(row, "completed", completed_at, by_id)
    return True


def _pending(session):
    """The deferred mark of ``session``'s transaction, taken; None (one of an ended transaction is dropped)."""
    pending = session.info.pop(_PENDING, None)
    if pending is None or pending[0] is not session.get_transaction():
        return None
    return pending


def settle(session=None):
    """Write ``session``'s deferred mark now, if any (before what must see it in the database).

    Raises MarkMissed when the row was not ready any more.
    """
    pending = _pending(db.session() if session is None else session)
    if pending is not None and _execute(_SET_ROW, _row_values("w_", *pending[1])) != 1:
        raise MarkMissed()


def mark_along(later):
    """The deferred mark, unless a read wrote it: the first write of ``later``'s along (a list
    of the instance's, ``instance_write_along``), or now when ``later`` holds none (``settle``)."""
    session = db.session()
    if not later:
        settle(session)
        return
    pending = _pending(session)
    if pending is not None:
        statements, values = later[0]
        statement = upserts.chainable(("postgresql", "inbox_task", "mark_completed"), _MARK_ALONG,
                                      "write of inbox_task")
        later[0] = ((statement, *statements), {**values, **_row_values("r_", *pending[1])})


def reopen(row):
    """Undo ``mark_completed`` in the same transaction (the step's result could not be saved)."""
    settle()
    _set_row(row, "completed", "ready", None, None)


def _settled_before(state):
    # Any statement of the session that may read the row: the deferred mark is written first.
    if _PENDING in state.session.info:
        settle(state.session)


def install():
    """Write a deferred mark before any other statement of its session (``settle``); once per
    process however often it is called (``create_app``)."""
    listen_once(Session, (("do_orm_execute", _settled_before),))
