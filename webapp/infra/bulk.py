"""Bulk inserts of many rows, as fast as each database allows.

SQLAlchemy's executemany path processes every parameter of every row in
Python (about ten microseconds a row), which dominates when a comparison run
writes half a million results. On SQLite we hand tuples straight to the
driver's executemany; elsewhere (PostgreSQL) SQLAlchemy's "insertmanyvalues"
already batches rows into multi-row INSERTs, so Core is used as is.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from operator import itemgetter

from sqlalchemy import insert

from ..extensions import db
from . import pg_connections

BATCH = 5000


def insert_tuples(table, columns: list[str], rows: list[tuple], connection=None) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` (a Table or a model).

    ``connection`` defaults to the session's (the caller's transaction).
    """
    if not rows:
        return
    connection = connection if connection is not None else db.session.connection()
    prepare_tuples(connection.dialect, table, columns, rows)(connection)


def prepare_tuples(dialect, table, columns: list[str], rows: list[tuple]):
    """Do the Python side of inserting ``rows`` now; return the call that sends them on a connection.

    A writer can then build its next slice while the database takes the last
    one (PostgreSQL works in its own process). ``dialect`` is the engine's.
    """
    table = getattr(table, "__table__", table)
    if dialect.name == "postgresql" and _copyable(table, columns):
        statement, text = _copy_payload(dialect, table, columns, rows)
        return lambda connection: _run_copy(connection, statement, text)
    if dialect.name == "sqlite" and not any(
            _python_type(table.c[name]) in (date, datetime) for name in columns):
        return lambda connection: _executemany_sqlite(connection, table, columns, rows)
    return lambda connection: insert_rows(table, [dict(zip(columns, row)) for row in rows], connection)


def _executemany_sqlite(connection, table, columns, rows) -> None:
    _prepare_sqlite(connection)
    sql = _insert_sql(connection, table, columns)
    for start in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql, rows[start:start + BATCH])


# Column types whose text form COPY reads back exactly; anything else goes through INSERT.
_COPY_TYPES = (str, int, float, bool, date, datetime)


def _copyable(table, columns) -> bool:
    """COPY fits when every value has a plain text form and no left-out column needs Python."""
    if not all(_python_type(table.c[name]) in _COPY_TYPES for name in columns):
        return False
    # COPY applies only server defaults; a left-out column with a Python default needs INSERT,
    # except constants, which _with_defaults adds.
    return all(column.default is None or column.default.is_scalar
               for column in table.columns if column.name not in columns and not column.primary_key)


def _with_defaults(table, columns, rows):
    """Add the constant Python defaults of left-out columns, as an INSERT would."""
    extra = [c for c in table.columns if c.name not in columns and not c.primary_key
             and c.default is not None and c.default.is_scalar]
    if not extra:
        return columns, rows
    values = tuple(c.default.arg for c in extra)
    return columns + [c.name for c in extra], [tuple(row) + values for row in rows]


_NULL = "\\N"
_COPY_SPECIALS = ("\\", "\t", "\n", "\r")


def _copy_text(value) -> str:
    if value is None:
        return _NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def _fit(values: tuple, length: int | None) -> tuple:
    """Cut text longer than its column: one overlong value from a department file must not fail a
    whole run on PostgreSQL (SQLite does not check lengths); the full value stays in the file."""
    if not length:
        return values
    try:
        longest = max(map(len, filter(None, values)), default=0)
    except TypeError:  # not all text: check one by one
        longest = length + 1
    if longest <= length:
        return values
    return tuple(v[:length] if v.__class__ is str and len(v) > length else v for v in values)


def _copy_column(values: tuple, kind, length: int | None = None) -> list:
    """One column in COPY's text form, column-wise: per-value calls cost more than the COPY."""
    if kind is str:
        values = _fit(values, length)
        try:
            joined = "".join(filter(None, values))
        except TypeError:  # something other than text in a text column: the slow path
            joined = "\\"
        if not any(special in joined for special in _COPY_SPECIALS):
            return [_NULL if v is None else v for v in values]  # the usual case: nothing to escape
    elif kind is bool:
        return [_NULL if v is None else "t" if v else "f" for v in values]
    elif kind is int:
        return [_NULL if v is None else str(v) for v in values]
    return [_copy_text(v) for v in values]


def _copy_payload(dialect, table, columns, rows) -> tuple[str, str]:
    """The COPY statement and its data, in PostgreSQL's text format."""
    columns, rows = _with_defaults(table, list(columns), rows)
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
    kinds = [_python_type(table.c[name]) for name in columns]
    lengths = [getattr(table.c[name].type, "length", None) for name in columns]
    texts = [_copy_column(values, kind, length) for values, kind, length in zip(zip(*rows), kinds, lengths)]
    payload = "".join(line + "\n" for line in map("\t".join, zip(*texts)))
    if "\x00" in payload:  # PostgreSQL text cannot hold NUL: one stray byte must not fail the whole COPY
        payload = payload.replace("\x00", "")
    return f"COPY {table.name} ({quoted}) FROM STDIN", payload


def _run_copy(connection, statement: str, text: str) -> None:
    """PostgreSQL's COPY: an order of magnitude faster than multi-row INSERTs for big runs.

    It runs on the given connection, so it is part of that connection's transaction (opened
    first: a connection that has only read yet rests in autocommit, see pg_connections.py).
    """
    pg_connections.begin_now(connection)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(statement, io.StringIO(text), size=1 << 20)
    finally:
        cursor.close()


def _prepare_sqlite(connection) -> None:
    if not connection.info.get("bulk_cache"):
        # The default 2 MB page cache thrashes when half a million rows go into a big file
        # with several indexes; 128 MB for this pooled connection keeps the indexes in memory.
        connection.exec_driver_sql("PRAGMA cache_size=-131072")
        connection.info["bulk_cache"] = True


def _insert_sql(connection, table, columns) -> str:
    for name in columns:  # every name must be a real column: the SQL is built from them
        table.c[name]
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    return f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join('?' * len(columns))})"


def insert_rows(table, rows: list[dict], connection=None) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` (a Table or a model)."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    connection = connection if connection is not None else db.session.connection()
    if connection.dialect.name == "postgresql" and _copyable(table, list(rows[0])):
        columns = list(rows[0])
        _run_copy(connection, *_copy_payload(connection.dialect, table, columns,
                                             [tuple(row[name] for name in columns) for row in rows]))
        return
    if connection.dialect.name != "sqlite":
        rows = _fit_rows(table, rows)
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start:start + BATCH])
        return
    _prepare_sqlite(connection)
    columns = list(rows[0])
    sql = _insert_sql(connection, table, columns)
    pick = itemgetter(*columns)
    dated = [name for name in columns if _python_type(table.c[name]) in (date, datetime)]
    for start in range(0, len(rows), BATCH):
        values = []
        for row in rows[start:start + BATCH]:
            if dated:
                # Text, as SQLAlchemy stores dates on SQLite (booleans and bytes need nothing).
                row = dict(row)
                for name in dated:
                    if row[name] is not None:
                        row[name] = row[name].isoformat(" ") if isinstance(row[name], datetime) \
                            else row[name].isoformat()
            values.append(pick(row) if len(columns) > 1 else (row[columns[0]],))
        connection.exec_driver_sql(sql, values)


def _fit_rows(table, rows: list[dict]) -> list[dict]:
    """Rows for an INSERT on PostgreSQL: text cut to its column's length, NUL dropped (see _fit)."""
    limits = {c.name: c.type.length for c in table.columns if getattr(c.type, "length", None)}
    fitted = []
    for row in rows:
        if any(value.__class__ is str and ("\x00" in value or len(value) > limits.get(name, len(value)))
               for name, value in row.items()):
            row = {name: value.replace("\x00", "")[:limits.get(name)] if value.__class__ is str else value
                   for name, value in row.items()}
        fitted.append(row)
    return fitted


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:
        return None
