"""SQLite settings that make the embedded database behave under several processes."""
from sqlalchemy.engine import Engine

from .infra.listeners import listen_once


def _on_connect(dbapi_connection, connection_record):
    # Only SQLite connections have these pragmas; other drivers are left alone.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def install(app):
    """Register the connect hook once per process (it applies to every engine)."""
    listen_once(Engine, (("connect", _on_connect),))
