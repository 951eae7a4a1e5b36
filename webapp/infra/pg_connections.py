"""PostgreSQL connections (psycopg 3) that keep their prepared statements when a transaction rolls back.

psycopg prepares a statement on the server once a connection has run it ``prepare_threshold``
times (5 by default); PostgreSQL then skips parsing and planning it, which cuts its CPU per work
request by 40-50 % (bench/profile_requests.py, median of 3 against psycopg2: my tasks 2.09 -> 0.99
ms, a completion 4.26 -> 2.54 ms). But psycopg forgets all of a connection's prepared statements on
every rollback (a DEALLOCATE ALL), and every request that writes nothing ends in one (the session
rolls back when it closes): they never lived to be used, and each request paid a DEALLOCATE ALL on
top (PostgreSQL's CPU then rose above psycopg2's: my tasks 1.8 against 1.6 ms).

A rollback does not take prepared statements away on the server (they belong to the session, not
to the transaction), so the connections here roll back without forgetting them. psycopg still
forgets them when the connection itself runs DROP, ALTER or DISCARD ALL, and drops from its list
a statement whose preparing or first run failed (the name is never used again).
"""
import psycopg
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

_IN_TRANSACTION = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


class KeptConnection(psycopg.Connection):
    """psycopg's connection whose rollback keeps the statements it prepared."""

    def rollback(self):
        """Roll the transaction back with a plain ROLLBACK; psycopg's own rollback when that fails
        (a lost connection: it raises the error SQLAlchemy recognises) or there is no transaction.

        SQLAlchemy opens neither psycopg's transaction blocks nor its pipelines, which psycopg's
        own rollback also takes care of."""
        if self.pgconn.transaction_status in _IN_TRANSACTION:
            with self.lock:
                result = self.pgconn.exec_(b"ROLLBACK")
            if result.status == pq.ExecStatus.COMMAND_OK:
                return
        super().rollback()


def _connect(dialect, connection_record, cargs, cparams):
    # psycopg 3 (synchronous) only: other drivers connect as they do (returning None).
    if dialect.driver == "psycopg" and not dialect.is_async:
        return KeptConnection.connect(*cargs, **cparams)
    return None


def install():
    """Register the connect hook once per process (it applies to every engine, made before or after)."""
    if not event.contains(Engine, "do_connect", _connect):
        event.listen(Engine, "do_connect", _connect)
