"""Pooled connections checked after sitting idle instead of on every checkout
(webapp/infra/liveness.py): a dead idle connection is still replaced before a request uses it."""
import time

from sqlalchemy import text

from webapp.extensions import db
from webapp.infra import liveness


def _pings(app, monkeypatch):
    """Count the engine's pings (a one-item list)."""
    with app.app_context():
        dialect = db.engine.dialect
    counted, ping = [0], dialect.do_ping

    def counting(dbapi_connection):
        counted[0] += 1
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counting)
    return counted


def _use(app):
    with app.app_context():
        return db.session.execute(text("SELECT 1")).scalar()


def test_a_connection_given_back_a_moment_ago_is_not_pinged_an_idle_one_is(app, monkeypatch):
    pings = _pings(app, monkeypatch)
    _use(app)
    pings[0] = 0
    for _ in range(5):
        assert _use(app) == 1
    assert pings[0] == 0
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + liveness.IDLE_SECONDS + 5)
    assert _use(app) == 1
    assert pings[0] == 1


def test_a_dead_idle_connection_is_replaced_before_use(app, monkeypatch):
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            dead = connection.connection.dbapi_connection
        dead.close()  # as a server restart leaves it: unusable, still in the pool
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + liveness.IDLE_SECONDS + 5)
    assert _use(app) == 1  # no error: the ping found it dead and the pool connected afresh
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.connection.dbapi_connection is not dead
