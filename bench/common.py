"""Shared set-up for the benchmarks: a migrated scratch database and a loaded demo county."""
import os
import statistics
import tempfile
import time


def scratch_app(label):
    """An app on a fresh migrated database: DATABASE_URL (PostgreSQL) or a temp SQLite file."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from config import Config
    from webapp import create_app

    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix=f"bench-{label}-")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp}/bench.db"

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = tmp
        EMBEDDED_REDIS_PATH = os.path.join(tmp, "redis.db")

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    return app


def timed(fn, repeat=1):
    """Run ``fn`` ``repeat`` times; return (median seconds, last result)."""
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def backend_name(app):
    """sqlite or postgresql."""
    from webapp.extensions import db

    with app.app_context():
        return db.engine.dialect.name
