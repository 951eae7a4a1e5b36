"""PostgreSQL (psycopg2) connections without wasted round trips.

Two costs every request paid on PostgreSQL, and what replaces them:

- ``pool_pre_ping`` sent ``SELECT 1`` on every pool checkout. Here a connection is pinged only
  when it has rested in the pool longer than ``PING_AFTER_IDLE_SECONDS`` or when its socket
  has input waiting (an idle connection receives nothing unless the server closed it: a
  terminated backend or a restarted server sends its FATAL message and hangs up). A failed ping
  raises ``DisconnectionError``, on which the pool opens a new connection, as pre-ping did.
- psycopg2 sends ``BEGIN`` before the first statement and ``ROLLBACK`` at teardown even when a
  request only reads. Here a connection rests in autocommit inside SQLAlchemy's transaction
  until the first statement that needs a transaction (anything but a plain ``SELECT`` without a
  row lock, a server-side cursor); psycopg2 then sends ``BEGIN`` with that statement and the
  commit or rollback ends it as before. Under READ COMMITTED a plain SELECT outside a transaction
  sees what it would see inside one and takes no lock, so reads before the first write are the
  same; the writes stay one transaction; a locking read keeps its lock until the commit. A
  connection with an explicit isolation level (or whose server default is not READ COMMITTED),
  read-only or deferrable settings is left to psycopg2 as it was. Code that uses the DBAPI
  connection itself inside a transaction (COPY) calls :func:`begin_now` first.

The choice is made as each statement goes to the driver (SQLAlchemy's dialect events). Back in
the pool a connection is in psycopg2's usual mode again, so raw connections from the pool behave
as before. Nothing happens at import; ``configure`` and ``install`` are called by
``infra/database.py``'s ``init_app`` (``create_app``).
"""
import re
import select
import time
from functools import lru_cache

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url

from ..extensions import db
from .listeners import listen_once

# A connection rested longer than this is pinged before use (firewalls and servers that drop
# idle connections silently do so after minutes, not seconds).
PING_AFTER_IDLE_SECONDS = 5.0
_RETURNED_AT = "pg_returned_at"  # connection record info: when the pool got it back
_RESTING = "pg_resting"  # connection record info: autocommit set here, no transaction opened yet
_STATUS_READY = 1  # psycopg2.extensions.STATUS_READY: no transaction in progress
_READ_COMMITTED = 1  # psycopg2.extensions.ISOLATION_LEVEL_READ_COMMITTED
# Row locks and functions whose effect ends with the transaction (or must not outlive a rollback).
# The lookahead (each alternative's first letter) lets the search skip other characters without
# trying every alternative: a search of a 10 kB SELECT took 1.3 ms without it, 0.3 ms with it.
_NEEDS_TRANSACTION = re.compile(
    r"(?=[FIASNTPL])(?:\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|\bINTO\b|advisory|set_config"
    r"|nextval|setval|txid_current|pg_current_xact_id|pg_notify|\blo_)", re.IGNORECASE)


def _is_psycopg2(url) -> bool:
    return make_url(url).get_dialect().driver == "psycopg2"


def configure(app) -> None:
    """Before ``db.init_app``: no ``pool_pre_ping`` for psycopg2 (``install`` checks instead)."""
    if _is_psycopg2(app.config["SQLALCHEMY_DATABASE_URI"]):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["pool_pre_ping"] = False
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install(app) -> None:
    """After ``db.init_app``: the idle-aware check and the deferred BEGIN on each psycopg2 engine
    of ``app`` (registered once per engine; SQLite and other drivers are left alone)."""
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        install_engine(engine)


def install_engine(engine) -> None:
    """The same for one engine (created with ``pool_pre_ping`` off); other drivers are left alone."""
    if engine.dialect.driver == "psycopg2":
        listen_once(engine.pool, _pool_listeners())
        listen_once(engine, _dialect_listeners())


def uninstall_engine(engine) -> None:
    """Remove what ``install_engine`` registered (bench/profile_requests.py ``--ab`` compares)."""
    for target, listeners in ((engine.pool, _pool_listeners()), (engine, _dialect_listeners())):
        for name, listener in listeners:
            if event.contains(target, name, listener):
                event.remove(target, name, listener)


def _pool_listeners():
    return (("connect", _on_connect), ("checkout", _on_checkout), ("checkin", _on_checkin), ("reset", _on_reset))


def _dialect_listeners():
    # Dialect events, not connection events: those would make SQLAlchemy dispatch events around
    # every statement, which costs more than the round trips saved.
    return (("do_execute", _on_execute), ("do_executemany", _on_execute),
            ("do_execute_no_params", _on_execute_no_params))


# --- the idle-aware check ---------------------------------------------------------------------

def _on_connect(dbapi_connection, record):
    record.info.pop(_RETURNED_AT, None)  # a new connection needs no ping
    _on_reset(dbapi_connection, record, None)  # SQLAlchemy's first queries on it may have rested it


def _on_checkin(dbapi_connection, record):
    record.info[_RETURNED_AT] = time.monotonic()


def _on_checkout(dbapi_connection, record, proxy):
    returned = record.info.get(_RETURNED_AT)
    if dbapi_connection.closed:
        raise exc.DisconnectionError("connection closed")
    if returned is None:
        return
    if time.monotonic() - returned <= PING_AFTER_IDLE_SECONDS and not _input_waiting(dbapi_connection):
        return
    try:
        was = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # the ping alone, without BEGIN (no transaction is open)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.autocommit = was
    except dbapi_connection.Error as error:
        raise exc.DisconnectionError(f"ping failed: {error}") from error


def _input_waiting(dbapi_connection) -> bool:
    """Whether the server sent something to a connection nobody asked anything (it hung up)."""
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


# --- the deferred BEGIN -----------------------------------------------------------------------

# The answers are kept per statement text. Most texts are a compiled statement's, a few hundred
# per process; an insert-many batch or an expanded IN list has a text per number of rows or items
# (an import's batch text is ~80 kB): those long ones go to a small cache of their own, so that
# neither can they push the hot texts out nor 2048 of them stay in memory.
_LONG_TEXT = 4096


def needs_transaction(statement: str) -> bool:
    """Whether ``statement`` must run inside the transaction (anything but a plain SELECT)."""
    if len(statement) <= _LONG_TEXT:
        return _needs_transaction_short(statement)
    return _needs_transaction_long(statement)


def _needs_transaction(statement):
    if statement.lstrip()[:6].upper() != "SELECT":
        return True
    return _NEEDS_TRANSACTION.search(statement) is not None


_needs_transaction_short = lru_cache(maxsize=2048)(_needs_transaction)
_needs_transaction_long = lru_cache(maxsize=32)(_needs_transaction)


def _may_rest(context, dbapi_connection) -> bool:
    # Only READ COMMITTED makes a statement outside the transaction see the same as inside it.
    return (dbapi_connection.isolation_level in (None, _READ_COMMITTED)
            and getattr(context.dialect, "default_isolation_level", None) == "READ COMMITTED"  # None: connecting
            and dbapi_connection.readonly is None and dbapi_connection.deferrable is None
            and "isolation_level" not in context.execution_options)


def _before_statement(cursor, statement, context):
    # The driver is about to run ``statement``: psycopg2 would send BEGIN first if the connection
    # is not in autocommit and no transaction is open yet (the transaction's first statement).
    dbapi_connection = cursor.connection
    if dbapi_connection.autocommit:  # resting here, or an AUTOCOMMIT isolation level asked for
        end_rest_for(cursor, statement, context)
    elif (dbapi_connection.status == _STATUS_READY and cursor.name is None and not needs_transaction(statement)
          and _may_rest(context, dbapi_connection)):
        dbapi_connection.autocommit = True  # no round trip: psycopg2 only leaves out its BEGIN
        context.root_connection.connection.info[_RESTING] = True


def end_rest_for(cursor, statement, context) -> None:
    """Open the transaction now if ``statement`` needs one and the connection rests in autocommit.

    For a do_execute listener that sends statements itself (infra/prepared.py): SQLAlchemy calls
    no listener after one that ran the statement, and SQLAlchemy ignores ``insert=True`` for
    dialect events, so such a listener asks here rather than relying on the order of the two."""
    info = context.root_connection.connection.info
    if info.get(_RESTING) and (needs_transaction(statement) or cursor.name is not None
                               or "isolation_level" in context.execution_options):
        _stop_resting(cursor.connection, info)


def _on_execute(cursor, statement, parameters, context):
    _before_statement(cursor, statement, context)  # None: SQLAlchemy then runs the statement


def _on_execute_no_params(cursor, statement, context):
    _before_statement(cursor, statement, context)


def _stop_resting(dbapi_connection, info):
    info[_RESTING] = False
    if dbapi_connection.autocommit:
        dbapi_connection.autocommit = False  # psycopg2 sends BEGIN before the next statement


def _on_reset(dbapi_connection, record, reset_state):
    # Back in the pool (its transaction ended: a transaction that never opened has nothing to
    # commit or roll back, and psycopg2 sent nothing for it): psycopg2's usual mode again.
    if record.info.get(_RESTING) and dbapi_connection is not None and not dbapi_connection.closed:
        _stop_resting(dbapi_connection, record.info)


def begin_now(connection) -> None:
    """Open the transaction of SQLAlchemy ``connection`` before its DBAPI connection is used
    directly (psycopg2's COPY): it sends BEGIN with the next statement, as psycopg2 does."""
    info = connection.connection.info
    if info.get(_RESTING):
        _stop_resting(connection.connection.dbapi_connection, info)
