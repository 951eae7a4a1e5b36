"""Server-side prepared statements for psycopg2 (PostgreSQL only; ``DATABASE_PREPARED_STATEMENTS``).

psycopg2 sends every statement as text with its values inlined, so PostgreSQL parses, analyses and
plans each one again. Here a statement text sent with parameters (psycopg2's ``%(name)s`` / ``%s``
style) is run normally the first time a connection sees it; the second time the connection runs
``PREPARE _sa_pN AS <text with $1..$n>`` once, and from then on the statement goes out as
``EXECUTE _sa_pN(%(a)s, %(b)s)``: psycopg2 still inlines the values, but PostgreSQL only parses a
short EXECUTE and reuses the analysed query (and after five runs, usually a generic plan).

Results stay what they were: PostgreSQL fixes the type of each $n at PREPARE, so each run checks
that every value is one whose plain literal PostgreSQL would have taken the same way (a string or
NULL is an untyped literal either way; an int only for an integer or numeric $n in range, a date
for a date or timestamp, and so on); any other value runs that execution as plain text. A text
whose PREPARE fails (a $n whose type cannot be inferred), that psycopg2 would expand (a tuple for
``IN %s``), or that is not one SELECT/INSERT/UPDATE/DELETE/WITH/VALUES is never prepared.

Connection state. PREPARE is not transactional: a statement prepared inside a transaction that
is rolled back stays prepared, so the per-connection record survives rollbacks. Inside a
transaction the PREPARE runs between SAVEPOINT and RELEASE, and a failure rolls back to the
savepoint, leaving the transaction as it was; on a resting autocommit connection it runs alone.
A connection's record is dropped when the pool invalidates the connection, and cleared (with a
DEALLOCATE ALL before the next PREPARE) when PostgreSQL says a prepared statement is missing or
its cached plan no longer fits (after DDL). Named (server-side) cursors, executemany and
insert-many batches are left alone. Not for PgBouncer's transaction pooling, which hands a
session's prepared statements to other clients.
"""
import datetime
import decimal
import itertools
import re
import uuid
from collections import OrderedDict

import psycopg2
from psycopg2 import extensions
from sqlalchemy import event

from ..extensions import db
from . import pg_connections

SWITCH = "DATABASE_PREPARED_STATEMENTS"
MAX_PER_CONNECTION = 256  # the oldest prepared statement is deallocated beyond this
MAX_SEEN = 4096  # texts seen once per connection before the set starts again
MAX_TEXTS = 20000  # converted texts kept per process before the map starts again
_KEY = "prepared_statements"
_SAVEPOINT = "_sa_prepare"

# psycopg2's placeholders: %(name)s, %s and the literal %%; any other % makes the text unsafe.
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?(.?)", re.S)
_PREPARABLE = re.compile(r"\s*(?:select|insert|update|delete|with|values)\b", re.I)
_names = itertools.count(1)
_UNSAFE = object()
_statements = {}  # SQL text -> _Statement or _UNSAFE, shared by every connection
counts = {"prepare": 0, "failed": 0, "execute": 0, "plain": 0}  # for tests and benchmarks

# A Python value -> the $n types whose plain literal PostgreSQL reads the same way.
_INTEGERS = {"int2": 2 ** 15, "int4": 2 ** 31, "int8": 2 ** 63}
# Not float4 for an int or a float: a plain 1.1 is numeric, compared with a real column as float8
# (no match), where a real $n would round it to the column's 1.1 (a match).
_NUMBERS = {"int2", "int4", "int8", "numeric"}
_TIMESTAMPS = {"timestamp", "timestamptz"}
_ACCEPTED = {
    bool: {"bool"}, int: _NUMBERS, float: {"float8", "numeric"}, decimal.Decimal: {"numeric", "float8"},
    # A timestamptz literal against a timestamp $n (or the reverse) is converted in the session's
    # time zone, as the plain comparison or assignment would convert it.
    datetime.datetime: _TIMESTAMPS, datetime.date: {"date"} | _TIMESTAMPS,
    datetime.time: {"time", "timetz"}, datetime.timedelta: {"interval"},
    bytes: {"bytea"}, bytearray: {"bytea"}, memoryview: {"bytea"}, uuid.UUID: {"uuid"},
}


class _Statement:
    """One preparable text: its PREPARE body and the EXECUTE that replaces it."""

    __slots__ = ("name", "body", "execute", "keys")

    def __init__(self, name, body, execute, keys):
        self.name, self.body, self.execute, self.keys = name, body, execute, keys


class _Connection:
    """What one DBAPI connection has prepared (text -> its _Statement and $n types) and has seen once."""

    __slots__ = ("dbapi", "prepared", "seen", "deallocate_all")

    def __init__(self, dbapi):
        self.dbapi = dbapi
        self.prepared = OrderedDict()
        self.seen = set()
        # A connection we have no record of may still hold our names (a record lost to an error).
        self.deallocate_all = True

    def forget(self):
        """Clear the record; the next PREPARE deallocates whatever the server still holds."""
        self.prepared.clear()
        self.seen.clear()
        self.deallocate_all = True


def convert(sql):
    """The _Statement for ``sql``, or None where preparing it is unsafe or impossible."""
    if ";" in sql.rstrip().rstrip(";") or "$" in sql or not _PREPARABLE.match(sql):
        return None  # several statements, dollar quotes or $n already, or a kind PREPARE refuses
    numbers, keys, body, start = {}, [], [], 0
    positional = named = False
    for match in _PERCENT.finditer(sql):
        key, conversion = match.groups()
        body.append(sql[start:match.start()])
        start = match.end()
        if conversion == "%" and key is None:
            body.append("%")
            continue
        if conversion != "s":
            return None
        if key is None:
            positional = True
            keys.append(len(keys))
            body.append(f"${len(keys)}")
        else:
            named = True
            if key not in numbers:  # a name used twice is one $n
                keys.append(key)
                numbers[key] = len(keys)
            body.append(f"${numbers[key]}")
    body.append(sql[start:])
    if not keys or (positional and named):
        return None
    name = f"_sa_p{next(_names)}"
    arguments = ", ".join("%s" if positional else f"%({key})s" for key in keys)
    return _Statement(name, "".join(body).rstrip().rstrip(";"), f"EXECUTE {name}({arguments})", tuple(keys))


def _fits(value, type_name):
    """Whether ``value``'s plain literal means the same as the value given to a ``type_name`` $n."""
    if value is None or isinstance(value, str):
        return True  # an untyped literal: PostgreSQL resolves it as it resolved the $n
    kind = type(value)
    if kind is list:
        if not type_name.startswith("_"):
            return False
        element = type_name[1:]
        return all(_fits(item, element) for item in value)
    accepted = _ACCEPTED.get(kind)
    if accepted is None:
        # psycopg2.extras.Json and the like quote a string: untyped as well
        return kind.__name__ == "Json" and type_name in ("json", "jsonb", "text", "varchar")
    if type_name not in accepted:
        return False
    limit = _INTEGERS.get(type_name)
    return limit is None or kind is not int or -limit <= value < limit


def _all_fit(statement, types, parameters):
    try:
        for key, type_name in zip(statement.keys, types):
            if not _fits(parameters[key], type_name):
                return False
    except (KeyError, IndexError, TypeError):
        return False  # psycopg2 will say what is wrong with the parameters
    return True


def _record(context, cursor):
    """The prepared-statement record of the connection ``cursor`` belongs to (None: not usable)."""
    dbapi = cursor.connection
    try:
        info = context.root_connection.connection.info
    except Exception:  # an invalidated connection: the statement fails on its own
        return None
    state = info.get(_KEY)
    if state is None or state.dbapi is not dbapi:
        state = info[_KEY] = _Connection(dbapi)
    return state


def _prepare(state, cursor, sql, statement, parameters):
    """PREPARE ``statement`` on the cursor's connection; its $n type names, or None."""
    dbapi = cursor.connection
    try:
        status, autocommit = dbapi.info.transaction_status, dbapi.autocommit
    except psycopg2.Error:  # closed: the statement itself fails, and SQLAlchemy handles that
        return None
    if status == extensions.TRANSACTION_STATUS_IDLE and autocommit:
        wrapped = False  # no transaction to protect: a failed PREPARE harms nothing
    elif status in (extensions.TRANSACTION_STATUS_IDLE, extensions.TRANSACTION_STATUS_INTRANS):
        wrapped = True  # psycopg2 begins (or has begun) a transaction: keep it usable
    else:
        return None  # a failed transaction or a busy connection: not now
    values = parameters.values() if isinstance(parameters, dict) else parameters
    if any(isinstance(value, tuple) for value in values):
        _statements[sql] = _UNSAFE  # psycopg2 expands a tuple: the number of values varies
        return None
    parts = []
    if state.deallocate_all:
        parts.append("DEALLOCATE ALL")
        state.prepared.clear()
        state.deallocate_all = False
    while len(state.prepared) >= MAX_PER_CONNECTION:
        parts.append(f"DEALLOCATE {state.prepared.popitem(last=False)[1][0].name}")
    if wrapped:
        parts.append(f"SAVEPOINT {_SAVEPOINT}")
    parts.append(f"PREPARE {statement.name} AS {statement.body}")
    if wrapped:
        parts.append(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    # The types PostgreSQL inferred for $1..$n, in the same round trip.
    parts.append("SELECT t.typname FROM pg_prepared_statements p, unnest(p.parameter_types::oid[]) "
                 f"WITH ORDINALITY AS u(type, n) JOIN pg_type t ON t.oid = u.type "
                 f"WHERE p.name = '{statement.name}' ORDER BY u.n")
    try:
        cursor.execute("; ".join(parts))
        types = tuple(row[0] for row in cursor.fetchall())
    except psycopg2.Error as error:
        counts["failed"] += 1
        if isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError)):
            return None  # the connection is gone: the statement itself will fail and be handled
        if wrapped:
            try:
                cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
            except psycopg2.Error:
                return None
        _statements[sql] = _UNSAFE  # PostgreSQL cannot prepare it (e.g. a $n of unknown type)
        return None
    counts["prepare"] += 1
    state.prepared[sql] = (statement, types)
    return types


def _do_execute(cursor, sql, parameters, context):
    """Run a hot statement as the EXECUTE of its prepared form (the dialect's do_execute event).

    Here, not in before_cursor_execute: every cursor-execute listener (statement counts, profiles,
    tests) sees the statement's own text, and an error is handled by SQLAlchemy as any other."""
    execute = _swap(cursor, sql, parameters, context)
    if execute is None:
        return False  # SQLAlchemy runs the plain statement itself
    pg_connections.end_rest_for(cursor, sql, context)  # a write never runs in a resting autocommit
    cursor.execute(execute, parameters)
    return True


def _swap(cursor, sql, parameters, context):
    """The EXECUTE text to send for ``sql`` on the cursor's connection, or None for ``sql`` itself."""
    if not parameters or getattr(cursor, "name", None) is not None:
        return None  # parameterless texts and named (server-side) cursors stay as they are
    statement = _statements.get(sql)
    if statement is None:
        if getattr(context, "execute_style", None) is not None and context.execute_style.name != "EXECUTE":
            return None  # insert-many batches: a text per batch size
        if len(_statements) >= MAX_TEXTS:
            _statements.clear()  # texts with values written in: what each connection prepared stays
        # setdefault: threads converting the same text at once all take the first one's name
        statement = _statements.setdefault(sql, convert(sql) or _UNSAFE)
    if statement is _UNSAFE:
        return None
    state = _record(context, cursor)
    if state is None:
        return None
    found = state.prepared.get(sql)
    if found is None:
        if sql not in state.seen:
            if len(state.seen) >= MAX_SEEN:
                state.seen.clear()
            state.seen.add(sql)  # once is not hot yet
            return None
        types = _prepare(state, cursor, sql, statement, parameters)
        if types is None:
            return None
    else:
        statement, types = found  # the name this connection prepared, whatever the shared map says now
    if not _all_fit(statement, types, parameters):
        counts["plain"] += 1
        return None
    counts["execute"] += 1
    return statement.execute


def _on_error(context):
    """Forget a connection's statements when PostgreSQL lost one or can no longer run its plan."""
    error = context.original_exception
    code = getattr(error, "pgcode", None)
    if code != "26000" and "cached plan must not change" not in str(error):
        return  # 26000: prepared statement does not exist
    try:
        state = context.connection.connection.info.get(_KEY) if context.connection is not None else None
    except Exception:
        return
    if state is not None:
        state.forget()


def _on_invalidate(dbapi_connection, connection_record, exception):
    # A new DBAPI connection comes in its place: nothing of this one's is prepared there.
    connection_record.info.pop(_KEY, None)


def enable(engine):
    """Prepare hot statements on ``engine``'s connections (PostgreSQL with psycopg2 only)."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg2":
        return False
    for name, listener, options in (("do_execute", _do_execute, {}),
                                    ("handle_error", _on_error, {}),
                                    ("invalidate", _on_invalidate, {})):
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener, **options)
    return True


def disable(engine):
    """Send statements as plain text again (what is prepared stays on the server, unused)."""
    for name, listener in (("do_execute", _do_execute), ("handle_error", _on_error),
                           ("invalidate", _on_invalidate)):
        if event.contains(engine, name, listener):
            event.remove(engine, name, listener)


def install(app):
    """Enable prepared statements on the app's PostgreSQL engines unless the switch is off."""
    if not app.config.get(SWITCH, True):
        return
    with app.app_context():
        for engine in db.engines.values():
            enable(engine)
