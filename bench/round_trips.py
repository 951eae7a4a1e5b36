"""Round trips between psycopg2 and PostgreSQL, counted from libpq's own protocol trace.

libpq writes every protocol message it sends and receives to a file once ``PQtrace`` is on
(psycopg2 exposes the connection's ``PGconn`` pointer). A round trip is a message the client
sends and then waits for: a simple ``Query`` (psycopg2's statements, and the ``BEGIN``,
``COMMIT``, ``ROLLBACK`` it sends itself, and pings) or the ``Sync`` closing an extended-protocol
batch (server-side prepared statements). Counted below SQLAlchemy and psycopg2, so whatever
either sends is counted. Used by bench/profile_requests.py (``--round-trips``) and the tests of
webapp/infra/pg_connections.py; diagnostics only, never the application.
"""
import ctypes
import glob
import os
import tempfile

_SENT = ("Query", "Sync")


def _libraries():
    """libpq as psycopg2 loaded it (psycopg2-binary bundles its own) and the C library."""
    import psycopg2

    bundled = glob.glob(os.path.join(os.path.dirname(psycopg2.__file__), "..", "psycopg2_binary.libs", "libpq-*.so*"))
    libpq = ctypes.CDLL(bundled[0] if bundled else "libpq.so.5")
    libpq.PQtrace.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    libpq.PQsetTraceFlags.argtypes = [ctypes.c_void_p, ctypes.c_int]
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.fflush.argtypes = [ctypes.c_void_p]
    return libpq, libc


class RoundTrips:
    """Trace every psycopg2 connection ``engine`` opens from now on (the pool is emptied first)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self._libpq, self._libc = _libraries()
        handle, self.path = tempfile.mkstemp(prefix="pqtrace-", suffix=".txt")
        os.close(handle)
        # Kept open for the process: a traced connection may outlive this object.
        self._file = self._libc.fopen(self.path.encode(), b"w")
        self._offset = 0
        event.listen(engine, "connect", self._trace)
        engine.dispose()  # connections opened before were not traced

    def _trace(self, dbapi_connection, record):
        self._libpq.PQtrace(dbapi_connection.pgconn_ptr, self._file)
        self._libpq.PQsetTraceFlags(dbapi_connection.pgconn_ptr, 1)  # PQTRACE_SUPPRESS_TIMESTAMPS

    def take(self):
        """The round trips since the last call: a list of what each sent (the query text, or
        "Sync" for an extended-protocol batch), oldest first."""
        self._libc.fflush(self._file)
        with open(self.path, encoding="utf-8", errors="replace") as handle:
            handle.seek(self._offset)
            text = handle.read()
            self._offset = handle.tell()
        sent = []
        for line in text.splitlines():
            parts = line.split("\t", 3)
            if len(parts) >= 3 and parts[0] == "F" and parts[2] in _SENT:
                sent.append(parts[3].strip().strip('"') if parts[2] == "Query" and len(parts) > 3 else parts[2])
        return sent
