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

BATCH = 5000


def insert_tuples(table, columns: list[str], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` (a Table or a model)."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and _copyable(table, columns):
        _copy_postgres(connection, table, columns, rows)
        return
    if connection.dialect.name == "sqlite" and not any(
            _python_type(table.c[name]) in (date, datetime) for name in columns):
        _prepare_sqlite(connection)
        sql = _insert_sql(connection, table, columns)
        for start in range(0, len(rows), BATCH):
            connection.exec_driver_sql(sql, rows[start:start + BATCH])
        return
    insert_rows(table, [dict(zip(columns, row)) for row in rows])


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


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def _copy_postgres(connection, table, columns, rows) -> None:
    """PostgreSQL's COPY: an order of magnitude faster than multi-row INSERTs for big runs.

    It runs on the session's own connection, so it is part of the caller's transaction.
    """
    columns, rows = _with_defaults(table, list(columns), rows)
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in columns)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for start in range(0, len(rows), BATCH * 20):
            buffer = io.StringIO()
            for row in rows[start:start + BATCH * 20]:
                buffer.write("\t".join(_copy_text(value) for value in row))
                buffer.write("\n")
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table.name} ({quoted}) FROM STDIN", buffer)
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


def insert_rows(table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` (a Table or a model)."""
    if not rows:
        return
    table = getattr(table, "__table__", table)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and _copyable(table, list(rows[0])):
        columns = list(rows[0])
        _copy_postgres(connection, table, columns, [tuple(row[name] for name in columns) for row in rows])
        return
    if connection.dialect.name != "sqlite":
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


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:
        return None
