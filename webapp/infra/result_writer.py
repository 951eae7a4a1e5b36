"""Writing a comparison run's result rows from a second process while the run goes on.

Half a million result rows take SQLite some fifteen seconds to insert, nearly
all of it in the driver, under the GIL. A thread would only take turns with
the comparison for that one core; a second process uses the machine's other
core. The run hands over each slice of rows as soon as its outcomes exist and
goes on with problems and record linkage while they are written.

The child is a fresh interpreter (``python -m webapp.infra.result_writer``),
not a fork: a fork would inherit the parent's open database connections,
which neither SQLite nor psycopg2 allow to be used or closed from two
processes, and multiprocessing's "spawn" would re-run the caller's main
script. Rows travel over a private pipe (the database URL too, so a password
never shows in the process list). The child opens its own engine, inserts and
commits slice by slice (as the run always has: a run is only ``done`` at its
very end, and a rerun first deletes what a failed attempt left) and reports
each slice back. If the parent dies, the child reads end-of-file and stops; if
the child fails or dies, :meth:`ResultWriter.finish` raises, with the child's
traceback when there is one, so the run is marked failed.
"""
from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import create_engine

from .. import models, sqlite_pragmas  # noqa: F401  (models: the child needs the tables registered)
from ..extensions import db
from .bulk import prepare_tuples

_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
log = logging.getLogger(__name__)


class ResultWriterFailed(RuntimeError):
    """The writer process failed or died; the message holds what it reported."""


class ResultWriter:
    """Rows go in with :meth:`send`; :meth:`finish` waits until all are committed."""

    def __init__(self, database_url: str, table_name: str, columns: list[str]):
        rows_read, rows_write = os.pipe()
        replies_read, replies_write = os.pipe()
        paths = [_PROJECT_ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "webapp.infra.result_writer", str(rows_read), str(replies_write)],
            pass_fds=(rows_read, replies_write), stdin=subprocess.DEVNULL, env=env)
        os.close(rows_read)
        os.close(replies_write)
        log.info("writing %s rows from process %s", table_name, self._process.pid)
        self._rows = Connection(rows_write, readable=False)
        self._replies = Connection(replies_read, writable=False)
        # The feeder thread pickles and sends, so send() never waits for the child's inserts.
        self._outbox: queue.Queue = queue.Queue()
        self._send_error: BaseException | None = None
        self._feeder = threading.Thread(target=self._feed, name=f"feed-{table_name}", daemon=True)
        self._feeder.start()
        self._outbox.put(("start", database_url, table_name, list(columns)))
        self.sent = self.written = 0

    def send(self, rows: list[tuple]) -> None:
        """Queue ``rows`` (tuples in column order) for writing; returns at once."""
        if rows:
            self._outbox.put(("rows", rows))
            self.sent += len(rows)

    def finish(self, progress=None) -> int:
        """Wait until every row sent is committed; ``progress(written, sent)`` after each slice."""
        self._outbox.put(("end",))
        try:
            while True:
                try:
                    kind, value = self._replies.recv()
                except (EOFError, OSError):
                    raise ResultWriterFailed(self._death_message()) from None
                if kind == "written":
                    self.written += value
                    if progress is not None:
                        progress(self.written, self.sent)
                elif kind == "failed":
                    raise ResultWriterFailed(value)
                else:  # done
                    self._process.wait()
                    return self.written
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop the writer (a no-op once it has finished); unsent rows are dropped."""
        self._outbox.put(None)
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._feeder.join()
        self._rows.close()
        self._replies.close()

    def _feed(self) -> None:
        while (message := self._outbox.get()) is not None:
            if self._send_error is None:
                try:
                    self._rows.send(message)
                except OSError as exc:  # the child is gone; finish() says so
                    self._send_error = exc

    def _death_message(self) -> str:
        code = self._process.wait()
        return f"结果写入进程意外退出（退出码 {code}）" + (f"：{self._send_error}" if self._send_error else "")


def _serve(rows: Connection, replies: Connection) -> None:
    """The child: insert each slice in its own transaction until told to stop.

    A reader thread receives and prepares the next slice (for PostgreSQL, its
    COPY text) while this thread waits on the database with the last one.
    """
    try:
        _, database_url, table_name, columns = rows.recv()
        sqlite_pragmas.install(None)
        table = db.metadata.tables[table_name]
        engine = create_engine(database_url)
        prepared: queue.Queue = queue.Queue(maxsize=2)
        reader = threading.Thread(target=_prepare_slices, args=(rows, engine.dialect, table, columns, prepared),
                                  daemon=True)
        reader.start()
        with engine.connect() as connection:
            while (item := prepared.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                count, insert = item
                with connection.begin():
                    insert(connection)
                replies.send(("written", count))
        engine.dispose()
        replies.send(("done", None))
    except EOFError:
        return  # the run's process is gone: nobody will read what we write
    except BaseException:
        replies.send(("failed", traceback.format_exc()[-4000:]))
        raise


def _prepare_slices(rows: Connection, dialect, table, columns, prepared: queue.Queue) -> None:
    """Reader thread: each received slice, prepared; then None (or the exception that stopped it)."""
    try:
        while (message := rows.recv())[0] == "rows":
            prepared.put((len(message[1]), prepare_tuples(dialect, table, columns, message[1])))
        prepared.put(None)
    except BaseException as exc:  # EOFError included: the writer's main thread decides
        prepared.put(exc)


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
