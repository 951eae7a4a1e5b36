"""Databases of its own for each pytest-xdist worker (`make test-fast` runs two).

xdist names its workers gw0, gw1, ... in PYTEST_XDIST_WORKER. Each worker already has its own
temporary folder (so its own SQLite files and embedded Redis); with TEST_DATABASE_URL and
TEST_REDIS_URL it also needs a PostgreSQL database and a Redis database of its own, because
every test empties both. Worker gwN uses the database ``<name>_gwN`` (created on first use,
beside the one TEST_DATABASE_URL names) and the Redis database number ``<number> + N`` (``<number> - N`` past 15, the last of a default server).
conftest.py calls `use_worker_databases` before anything reads those variables.
"""
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# TEST_DATABASE_URL as given, before a worker points it at its own database.
ADMIN_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def worker_index():
    """0, 1, ... in an xdist worker; None when the tests run in one process."""
    name = os.environ.get("PYTEST_XDIST_WORKER")
    return int(name.removeprefix("gw")) if name else None


def use_worker_databases():
    """Point TEST_DATABASE_URL and TEST_REDIS_URL of this worker process at its own databases."""
    index = worker_index()
    if index is None:
        return
    if ADMIN_DATABASE_URL:
        url = make_url(ADMIN_DATABASE_URL)
        url = url.set(database=f"{url.database}_gw{index}")
        os.environ["TEST_DATABASE_URL"] = url.render_as_string(hide_password=False)
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        head, _, number = redis_url.rstrip("/").rpartition("/")
        number = int(number or 0)
        # A Redis server has databases 0-15 unless configured otherwise: count down from 15.
        number = number + index if number + index <= 15 else number - index
        os.environ["TEST_REDIS_URL"] = f"{head}/{number}"


def create_worker_database(url):
    """Create the worker's PostgreSQL database if it is missing (kept between runs: a DROP
    DATABASE forces a checkpoint, which a busy machine takes seconds to minutes to finish)."""
    if worker_index() is None or not ADMIN_DATABASE_URL:
        return
    name = make_url(url).database
    engine = create_engine(ADMIN_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
