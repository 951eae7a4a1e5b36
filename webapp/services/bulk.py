"""Bulk inserts of many rows, as fast as each database allows.

SQLAlchemy's executemany path processes every parameter of every row in
Python (about ten microseconds a row), which dominates when a comparison run
writes half a million results. On SQLite we hand tuples straight to the
driver's executemany; elsewhere (PostgreSQL) SQLAlchemy's "insertmanyvalues"
already batches rows into multi-row INSERTs, so Core is used as is.
"""
from __future__ import annotations

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
    if connection.dialect.name == "sqlite" and not any(
            _python_type(table.c[name]) in (date, datetime) for name in columns):
        _prepare_sqlite(connection)
        sql = _insert_sql(connection, table, columns)
        for start in range(0, len(rows), BATCH):
            connection.exec_driver_sql(sql, rows[start:start + BATCH])
        return
    insert_rows(table, [dict(zip(columns, row)) for row in rows])


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
