"""PostgreSQL through psycopg 3: server-side prepared statements that outlive a request.

Once a pooled connection has run a statement ``PREPARE_THRESHOLD`` times, psycopg prepares it on
the server and from then on sends only its name and parameters: PostgreSQL skips parsing and
planning, which was about half of its CPU per request here.

A ROLLBACK makes psycopg forget them all (and send DEALLOCATE ALL: the rolled-back transaction
may have dropped or altered what they refer to), and every request ends with one:
Flask-SQLAlchemy's ``session.remove()`` rolls back whatever the route did not commit, which for
a page that only reads is its whole transaction. So at the end of a request (and of a job) a
transaction that PostgreSQL gave no transaction id, i.e. one that changed no row and no catalog
and locked no row, is committed instead: for such a transaction that does exactly what the
rollback would, and psycopg keeps its statements. A transaction that wrote, failed, or belongs
to a request or job that raised is rolled back as before; nothing else changes.
"""
import psycopg
from flask import Flask
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import db

# Prepare on the second run: a pooled connection meets a busy path's statements within a few
# requests (psycopg's default is the fifth). Cap per connection; psycopg closes the least used.
PREPARE_THRESHOLD = 2
PREPARED_MAX = 500

# The top-level transaction id, NULL until the transaction writes (any subtransaction's write
# assigns it too). Its pg_current_xact_id_if_assigned() name is PostgreSQL 13's.
_XID_SQL = {True: "SELECT pg_current_xact_id_if_assigned() IS NULL",
            False: "SELECT txid_current_if_assigned() IS NULL"}


def _on_connect(dbapi_connection, connection_record):
    # Only psycopg 3 has these settings; SQLite and psycopg2 connections are left alone.
    if hasattr(dbapi_connection, "prepare_threshold"):
        dbapi_connection.prepare_threshold = PREPARE_THRESHOLD
        dbapi_connection.prepared_max = PREPARED_MAX


def commit_if_read_only(dbapi_connection) -> bool:
    """Commit the psycopg 3 connection's open transaction if it wrote nothing; True if it did.

    Any other connection or transaction (none open, failed, wrote) is left untouched for the
    rollback that follows.
    """
    if not hasattr(dbapi_connection, "prepare_threshold"):
        return False
    info = dbapi_connection.info
    if info.transaction_status != TransactionStatus.INTRANS:
        return False  # IDLE: nothing to end (the rollback is a no-op); INERROR: must roll back
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(_XID_SQL[info.server_version >= 130000])
            read_only = cursor.fetchone()[0]
        if read_only:
            dbapi_connection.commit()
        return bool(read_only)
    except psycopg.Error:
        return False  # a broken connection: the rollback that follows invalidates it


def end_read_only() -> bool:
    """Commit the current ``db.session``'s database transaction if it wrote nothing, before the
    session is removed; True if it did. Call it only when the request or job succeeded.

    Pending ORM changes that were never flushed are not in the database: they are dropped as
    before. A session whose flush failed is left for its rollback.
    """
    if not db.session.registry.has():
        return False  # no session was made in this context
    session = db.session()
    if not session.in_transaction() or not session.get_transaction().is_active:
        return False
    return commit_if_read_only(session.connection().connection.dbapi_connection)


def _end_request(exc):
    # Runs before Flask-SQLAlchemy's session.remove() (teardowns run in reverse order).
    if exc is None:
        end_read_only()


def install(app: Flask) -> None:
    """Settle each psycopg connection's statement cache and end read-only requests (and
    command-line commands) with a commit; call after ``db.init_app(app)``."""
    if not event.contains(Engine, "connect", _on_connect):
        event.listen(Engine, "connect", _on_connect)
    app.teardown_appcontext(_end_request)
