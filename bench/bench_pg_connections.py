"""The round trips webapp/infra/pg_connections.py saves, timed in one process (not a test).

    .venv/bin/python bench/bench_pg_connections.py postgresql://postgres@127.0.0.1/bench

Two engines on the same database, one connection each: as before (``pool_pre_ping``, psycopg2's
own BEGIN) and with pg_connections installed. They take turns in blocks, so a busy machine slows
both alike. Each turn is a request's database work through an ORM session: a read-only request
(two SELECTs, then the session closes) and a writing one (a SELECT, an UPDATE, a commit). Prints
the app's CPU (thread clock) and the backend's CPU (/proc/<pid>/schedstat, PostgreSQL on this
machine) per request, medians over the blocks.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def _backend_ns(pid):
    with open(f"/proc/{pid}/schedstat") as handle:
        return int(handle.read().split()[0])


def main():
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from webapp.infra import pg_connections

    url = sys.argv[1]
    blocks, per_block = int(os.environ.get("BLOCKS", "40")), int(os.environ.get("PER_BLOCK", "50"))
    with create_engine(url).begin() as conn:
        conn.execute(text("CREATE SCHEMA IF NOT EXISTS bench_rt; CREATE TABLE IF NOT EXISTS bench_rt.rows (id int PRIMARY KEY, n int)"))
        conn.execute(text("INSERT INTO bench_rt.rows VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING"))
    before = create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)
    after = create_engine(url, pool_size=1, max_overflow=0)
    pg_connections.install_engine(after)

    def read(session, row):
        session.execute(text("SELECT n FROM bench_rt.rows WHERE id = :id"), {"id": row}).scalar()
        session.execute(text("SELECT count(*) FROM bench_rt.rows")).scalar()
        session.close()

    def write(session, row):
        session.execute(text("SELECT n FROM bench_rt.rows WHERE id = :id"), {"id": row}).scalar()
        session.execute(text("UPDATE bench_rt.rows SET n = n + 1 WHERE id = :id"), {"id": row})
        session.commit()
        session.close()

    results = {}
    for name, engine, row in (("before", before, 1), ("after", after, 2)):
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        results[name] = (engine, row, pid, {"read": [], "write": []}, {"read": [], "write": []})
    for _ in range(blocks):
        for kind, work in (("read", read), ("write", write)):
            for name in ("before", "after"):
                engine, row, pid, app_ms, db_ms = results[name]
                session = Session(engine)
                backend, started = _backend_ns(pid), time.thread_time()
                for _ in range(per_block):
                    work(session, row)
                app_ms[kind].append((time.thread_time() - started) * 1000 / per_block)
                db_ms[kind].append((_backend_ns(pid) - backend) / 1e6 / per_block)
    for kind in ("read", "write"):
        line = [f"{kind:<5}"]
        for name in ("before", "after"):
            _, _, _, app_ms, db_ms = results[name]
            line.append(f"{name}: app {statistics.median(app_ms[kind]):.3f} ms, "
                        f"PostgreSQL {statistics.median(db_ms[kind]):.3f} ms")
        print("  ".join(line))
    with create_engine(url).begin() as conn:
        conn.execute(text("DROP SCHEMA bench_rt CASCADE"))


if __name__ == "__main__":
    main()
