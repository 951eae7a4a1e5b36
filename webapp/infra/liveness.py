"""A pooled database connection is checked before use when it sat idle, not on every request.

SQLAlchemy's ``pool_pre_ping`` sends a statement every time a connection leaves the pool, so
every request paid one: on PostgreSQL a round trip, about 30 µs of the app's CPU and 25 µs of the
backend's. What it guards against (the server restarted, the network dropped, a server-side idle
timeout) happens to connections left alone; a connection another request gave back a moment ago
was working then. So a connection is checked (the dialect's own ping, as ``pool_pre_ping`` does)
when it leaves the pool after more than ``IDLE_SECONDS`` unused, or for the first time, and one
returned more recently is handed out as it is. A connection found dead is discarded and the pool
takes another (SQLAlchemy's ``DisconnectionError``, as pre-ping does); a connection that fails in
use still makes SQLAlchemy invalidate the pool, as before.
"""
import time

from sqlalchemy import event, exc

IDLE_SECONDS = 1.0
_RETURNED = "liveness_returned_at"  # in the connection record's info: cleared when it is replaced


def install(engine):
    """Check ``engine``'s pooled connections on the way out after ``IDLE_SECONDS`` idle (once)."""
    dialect = engine.dialect

    def on_checkin(dbapi_connection, record):
        if dbapi_connection is not None:  # None: the connection was invalidated on its way back
            record.info[_RETURNED] = time.monotonic()

    def on_checkout(dbapi_connection, record, proxy):
        returned = record.info.pop(_RETURNED, None)
        if returned is not None and time.monotonic() - returned <= IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError() from error  # the pool discards it and takes another

    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "checkout", on_checkout)
