"""The demo county (and the demo areas alone) seeded once per test session, copied into each
test that asks for it.

Seeding (deploy the shipped diagrams, build the areas, accounts and a few households in cases)
costs far more than copying its result, and `county` is used by most tests. So the session
seeds once into a template per seed (SEEDS), and each test starts from a copy:

- SQLite: the seeded database file, copied like the migrated template.
- PostgreSQL: the seeded rows are kept in a schema of their own (``test_seeded_<seed>``) beside
  ``public``; a test empties ``public`` (DELETE in foreign-key order, sequences restarted) and
  copies the rows back in foreign-key order, then sets every sequence where seeding left it. A cloned
  database (CREATE DATABASE ... TEMPLATE) would need a DROP DATABASE per test, and each of those
  forces a checkpoint: seconds to minutes on a busy machine.

Either way a test sees the same rows and ids as if it had seeded itself. The template is built
with the real clock and rebuilt when it is older than SEED_MAX_AGE or when the day changed in
the county's time zone, so seeded timestamps stay as close to "now" as the tests expect.
Nothing may be left in Redis by seeding (checked), and files it writes to the instance folder
are copied into each test's instance folder.
"""
import graphlib
import os
import shutil
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from config import TestConfig
from webapp import create_app
from webapp.extensions import db

SNAPSHOT_PREFIX = "test_seeded_"
SEED_MAX_AGE = float(os.environ.get("TEST_SEED_MAX_AGE_SECONDS", "1800"))
COUNTY_ZONE = ZoneInfo("Asia/Shanghai")


def seed_county():
    """What every `county` test starts from: the shipped diagrams and a small demo county."""
    from webapp.cli import deploy_shipped_diagrams
    from webapp.synthetic import demo

    deploy_shipped_diagrams()
    demo.seed(households=6, villages_with_staff=2)
    db.session.commit()


def seed_demo_areas():
    """What every `demo_areas` test starts from: the demo county's areas only."""
    from webapp.services import areas

    areas.load_rows(areas.generate_county())
    db.session.commit()


# Fixture name -> what its template holds. A test asking for several gets the first (county
# holds the demo areas too).
SEEDS = {"county": seed_county, "demo_areas": seed_demo_areas}


def snapshot_schemas():
    """The PostgreSQL schemas the templates keep their rows in, one per seed."""
    return [f"{SNAPSHOT_PREFIX}{name}" for name in SEEDS]


def _county_day():
    return datetime.now(COUNTY_ZONE).date()


class SeededTemplate:
    """One seed's template for the session, built on first use and rebuilt when stale."""

    def __init__(self, name, migrated_template, pg_url, tmp_path_factory, redis_path):
        self.seed = SEEDS[name]
        self.schema = f"{SNAPSHOT_PREFIX}{name}"
        self.migrated_template = migrated_template
        self.pg_url = pg_url
        self.factory = tmp_path_factory
        self.redis_path = redis_path
        self.built_at = None
        self.day = None
        self.builds = 0
        self.sqlite_path = self.instance_dir = self.snapshot = None

    def _ensure(self):
        if self.built_at is None or time.monotonic() - self.built_at > SEED_MAX_AGE or _county_day() != self.day:
            self._build()

    def _build(self):
        from webapp import clock
        from webapp.queues import redis_connection

        folder = self.factory.mktemp("seeded")
        self.instance_dir = folder / "instance"
        self.instance_dir.mkdir()
        if self.pg_url:
            reset_postgres(self.pg_url, None)
            url = self.pg_url
        else:
            self.sqlite_path = folder / "seeded.db"
            shutil.copyfile(self.migrated_template, self.sqlite_path)
            url = f"sqlite:///{self.sqlite_path}"

        class SeedConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = url
            INSTANCE_DIR = str(self.instance_dir)
            EMBEDDED_REDIS_PATH = self.redis_path

        # The real clock, whatever the test that happens to trigger the build has set.
        saved_override = clock.frozen_at()
        clock.set_now(None)
        saved_file = os.environ.pop("APP_CLOCK_FILE", None)
        saved_clock_file = clock.clock_file()
        clock.use_file(None)
        try:
            app = create_app(SeedConfig)
            with app.app_context():
                redis = redis_connection()
                redis.flushdb()
                self.seed()
                # Each test starts with an empty Redis; a seed that wrote there could not be copied.
                assert redis.dbsize() == 0, "seeding wrote to Redis: the seeded template cannot carry that"
                db.session.remove()
                db.engine.dispose()
        finally:
            clock.set_now(saved_override)
            clock.use_file(saved_clock_file)
            if saved_file is not None:
                os.environ["APP_CLOCK_FILE"] = saved_file
        if self.pg_url:
            self.snapshot = snapshot_postgres(self.pg_url, self.schema)
        self.built_at, self.day = time.monotonic(), _county_day()
        self.builds += 1

    def sqlite_file(self):
        """The seeded SQLite file (closed: every engine on it is disposed) to copy."""
        self._ensure()
        return self.sqlite_path

    def pg_snapshot(self):
        """The SQL that puts the seeded rows back into an emptied ``public`` schema."""
        self._ensure()
        return self.snapshot

    def copy_instance_files(self, destination):
        """Whatever seeding wrote to its instance folder, into a test's instance folder."""
        shutil.copytree(self.instance_dir, destination, dirs_exist_ok=True)


def _engine(url):
    return create_engine(url, poolclass=NullPool)


def _public_tables(conn):
    return [r[0] for r in conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]


def _foreign_keys(conn):
    """(child, parent) table pairs of ``public``'s foreign keys, a table naming itself left out."""
    return [(child, parent) for child, parent in conn.execute(text(
        "SELECT cl.relname, pl.relname FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid "
        "JOIN pg_class pl ON pl.oid = c.confrelid JOIN pg_namespace n ON n.oid = cl.relnamespace "
        "WHERE c.contype = 'f' AND n.nspname = 'public'")) if child != parent]


def _parents_first(tables, foreign_keys):
    parents = {t: set() for t in tables}
    for child, parent in foreign_keys:
        if child in parents and parent in parents:
            parents[child].add(parent)
    return list(graphlib.TopologicalSorter(parents).static_order())


_emptying_sql = {}  # table names -> the statements that empty them (same tables, same SQL)


def _emptying(conn, tables):
    """DELETE every table, children first, then restart every sequence (as TRUNCATE ... RESTART
    IDENTITY would). DELETE, because TRUNCATE makes new files for every table and index: about
    a second per test on a busy disk, against a few milliseconds for these small tables."""
    key = tuple(sorted(tables))
    if key not in _emptying_sql:
        try:
            order = _parents_first(tables, _foreign_keys(conn))[::-1]
            statements = [f'DELETE FROM public."{t}"' for t in order]
        except graphlib.CycleError:  # tables naming each other: TRUNCATE copes with that
            statements = ["TRUNCATE " + ", ".join(f'public."{t}"' for t in tables) + " CASCADE"]
        statements.append("SELECT setval(c.oid, s.seqstart, false) FROM pg_class c "
                          "JOIN pg_sequence s ON s.seqrelid = c.oid WHERE c.relnamespace = 'public'::regnamespace")
        _emptying_sql[key] = ";\n".join(statements)
    return _emptying_sql[key]


def reset_postgres(url, snapshot_sql):
    """Empty every table of ``public`` (ids restart), then replay ``snapshot_sql`` if given."""
    engine = _engine(url)
    with engine.begin() as conn:
        tables = _public_tables(conn)
        if tables:
            conn.exec_driver_sql(_emptying(conn, tables))
        if snapshot_sql:
            conn.exec_driver_sql(snapshot_sql)
    engine.dispose()


def snapshot_postgres(url, schema):
    """Copy the seeded rows of ``public`` into ``schema``; returns the SQL that restores them."""
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
        filled = [t for t in _public_tables(conn) if conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM public."{t}")')).scalar()]
        statements = []
        for table in _parents_first(filled, _foreign_keys(conn)):
            conn.execute(text(f'CREATE TABLE {schema}."{table}" AS SELECT * FROM public."{table}"'))
            columns = ", ".join(f'"{c}"' for (c,) in conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t "
                "ORDER BY ordinal_position"), {"s": schema, "t": table}))
            statements.append(f'INSERT INTO public."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                              f'SELECT {columns} FROM {schema}."{table}"')
        for name, last_value in conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL")):
            statements.append(f"SELECT setval('public.\"{name}\"', {int(last_value)}, true)")
    engine.dispose()
    return ";\n".join(statements)
