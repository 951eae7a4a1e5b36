"""Shared fixtures: a migrated database per test (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), the app, a client that speaks CSRF, and a small demo county."""
import os
import re
import shutil

import pytest
from sqlalchemy import create_engine, text

from . import parallel

# Before config reads them: under pytest-xdist each worker has databases of its own.
parallel.use_worker_databases()

from config import TestConfig  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.engine import diagrams, kept  # noqa: E402
from webapp.extensions import db as _db  # noqa: E402

from . import seeding  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL")
# Shared fixtures kept in their own modules: Redis, worker processes and the file clock
# (clock_file, redis_server, workers); the live server and Chromium (live_server, browser_page).
pytest_plugins = ["tests.worker_fixtures", "tests.browser_fixtures"]


def _migrate(url, instance_dir):
    """Run the real Alembic migrations against ``url``."""
    from flask_migrate import upgrade

    class MigrateConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = instance_dir

    app = create_app(MigrateConfig)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """Migrate once per session: a SQLite template file, or the PostgreSQL test database."""
    base = tmp_path_factory.mktemp("db")
    if PG_URL:
        parallel.create_worker_database(PG_URL)
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            for schema in seeding.snapshot_schemas():
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL, str(base))
        return PG_URL
    path = base / "template.db"
    _migrate(f"sqlite:///{path}", str(base))
    return str(path)


@pytest.fixture(scope="session")
def seeded_templates(migrated_template, tmp_path_factory, embedded_redis_path):
    """The demo county, and the demo areas alone, each seeded once (on first use; rebuilt when
    old, see seeding.py): what the `county` and `demo_areas` fixtures start from."""
    return {name: seeding.SeededTemplate(name, migrated_template, PG_URL, tmp_path_factory, embedded_redis_path)
            for name in seeding.SEEDS}


def _fresh_database_url(template, tmp_path, seeded):
    if PG_URL:
        seeding.reset_postgres(PG_URL, seeded.pg_snapshot() if seeded else None)
        return PG_URL
    path = tmp_path / "test.db"
    shutil.copyfile(seeded.sqlite_file() if seeded else template, path)
    if seeded:
        seeded.copy_instance_files(tmp_path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def embedded_redis_path(tmp_path_factory):
    """One embedded Redis for the session (every log-in counts failures there); emptied per test."""
    return str(tmp_path_factory.mktemp("redis") / "redis.db")


@pytest.fixture
def app(request, migrated_template, tmp_path, embedded_redis_path):
    """A fresh, migrated database, an empty Redis database, and an app bound to them.

    A test that asks for ``county`` or ``demo_areas`` (directly or through another fixture) gets
    the database already seeded from the session's template instead of seeding it itself: the
    same rows and ids as seeding it here, for a file copy (SQLite) or a few statements
    (PostgreSQL). ``county`` includes the demo areas.
    """
    seed = next((name for name in seeding.SEEDS if name in request.fixturenames), None)
    seeded = request.getfixturevalue("seeded_templates")[seed] if seed else None
    url = _fresh_database_url(migrated_template, tmp_path, seeded)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = str(tmp_path)
        EMBEDDED_REDIS_PATH = embedded_redis_path

    # In-process caches keyed by the database URL and row ids (PostgreSQL reuses one URL, and
    # ids repeat from test to test): the previous test's current diagram version must not leak.
    diagrams.forget_cached_versions()
    kept.clear()  # workflows kept by (instance id, version): both repeat from test to test
    app = create_app(Config)
    app.config["TEST_SEEDED"] = seed
    with app.app_context():
        from webapp.queues import redis_connection

        redis_connection().flushdb()  # TEST_REDIS_URL names a database of this test run's own
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def runner(app):
    """The Flask CLI runner."""
    return app.test_cli_runner()


class _FreshContextClient:
    """Runs every request in its own app context, as a real server does.

    The test keeps an app context open for its own queries; without this, requests would share
    its ``g`` (and so the logged-in user) and its database session.
    """

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        with self.app.app_context():
            return self.client.post(*args, **kwargs)


class Client:
    """A test client that logs in and posts forms with their CSRF token, like a browser."""

    def __init__(self, app):
        self.raw = _FreshContextClient(app)

    def get(self, url, **kwargs):
        return self.raw.get(url, **kwargs)

    def token(self, url="/login"):
        html = self.raw.get(url, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url, data=None, token_from="/login", **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.raw.post(url, data=data, **kwargs)

    def login(self, username, password="demo1234"):
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.post("/logout", token_from="/notifications/")  # a page every role has


@pytest.fixture
def client(app):
    """A CSRF-aware client."""
    return Client(app)


@pytest.fixture
def make_client(app):
    """A factory of independent clients (one per simulated person)."""
    return lambda: Client(app)


@pytest.fixture
def demo_areas(app):
    """The demo county's areas only (Dongzhi): intake takes its county from the loaded areas.
    (seeding.seed_demo_areas, done once per session; `app` copied the result for this test.)"""
    assert app.config["TEST_SEEDED"] in ("county", "demo_areas"), "app did not see this test uses demo_areas"
    return app


@pytest.fixture
def county(app):
    """The demo county's areas and users, the shipped diagrams, and a few households in cases
    (seeding.seed_county, done once per session; `app` copied the result for this test)."""
    assert app.config["TEST_SEEDED"] == "county", "the app fixture did not see that this test uses county"
    return app


def pytest_collection_modifyitems(config, items):
    """Tests that start real worker processes or a browser are slow: `make test-fast` skips them."""
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if uses & {"workers", "browser_page", "browser"} or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
