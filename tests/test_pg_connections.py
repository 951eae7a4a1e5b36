"""PostgreSQL connections without wasted round trips (webapp/infra/pg_connections.py).

The round trips are counted from libpq's protocol trace (bench/round_trips.py): every ``BEGIN``,
``COMMIT``, ``ROLLBACK`` and ping psycopg2 sends is seen, not only SQLAlchemy's statements.
A connection is pinged only after resting in the pool or when the server hung up on it; a
transaction opens at the first statement that needs one, and is then the same transaction as
before (writes all or nothing, row locks until the commit, explicit isolation levels honoured).
"""
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from bench.round_trips import RoundTrips
from webapp.extensions import db
from webapp.infra import pg_connections, prepared
from webapp.models import User

from .conftest import PG_URL

on_postgres = pytest.mark.skipif(not PG_URL, reason="psycopg2's round trips: SQLite sends none")


def test_only_a_plain_select_may_run_before_the_transaction_opens():
    needs = pg_connections.needs_transaction
    assert not needs("SELECT users.id FROM user_account WHERE users.id = %(id)s")
    assert not needs("  select 1")
    for statement in ("INSERT INTO users (id) VALUES (1)", "UPDATE user_account SET locale = 'en'", "DELETE FROM users",
                      "SELECT id FROM users FOR UPDATE", "SELECT id FROM users FOR NO KEY UPDATE OF users SKIP LOCKED",
                      "select id from users for share", "SELECT id FROM users FOR KEY SHARE",
                      "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved", "SAVEPOINT sa_savepoint_1",
                      "SELECT pg_advisory_xact_lock(1)", "SELECT set_config('x.y', '1', true)",
                      "SELECT * INTO copy FROM users", "BEGIN", "SET LOCAL lock_timeout = '1s'", "COPY t FROM STDIN"):
        assert needs(statement), statement
    # Long texts (an expanded IN list, an insert-many batch) are answered alike.
    in_list = "SELECT users.id FROM users WHERE users.id IN (" + ", ".join(f"%(id_1_{n})s" for n in range(900)) + ")"
    assert not needs(in_list)
    assert needs(in_list + " FOR UPDATE") and needs(in_list.replace("SELECT", "DELETE", 1))


@pytest.fixture
def traced(app):
    """Round trips of the app's engine, counted from here on."""
    return RoundTrips(db.engine)


def _logged_in(client):
    client.login("village1")
    client.get("/inbox")  # warm: templates, the user's pages, a pooled connection
    return client


@on_postgres
def test_my_tasks_sends_no_begin_rollback_or_ping(county, client, traced):
    _logged_in(client)
    traced.take()
    assert client.get("/inbox").status_code == 200
    sent = traced.take()
    assert sent, "the page reads from the database"
    assert [s for s in sent if s.split()[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK") or s == "SELECT 1"] == [], sent


@on_postgres
def test_a_connection_is_pinged_only_after_resting(county, client, traced, monkeypatch):
    _logged_in(client)
    traced.take()
    client.get("/inbox")
    assert "SELECT 1" not in traced.take()
    monkeypatch.setattr(pg_connections, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it rested for long
    client.get("/inbox")
    assert traced.take().count("SELECT 1") == 1


@on_postgres
def test_a_terminated_backend_is_replaced_on_the_next_request(county, client):
    _logged_in(client)
    with db.engine.connect() as conn:
        used = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    probe = create_engine(PG_URL)
    try:
        with probe.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
            ).scalar()
        assert killed >= 1
        assert client.get("/inbox").status_code == 200  # no error page: the pool reconnected
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != used
    finally:
        probe.dispose()


@on_postgres
def test_a_request_that_writes_then_fails_leaves_nothing_written(county, app, client):
    def write_then_fail():
        users = db.session.execute(select(User).order_by(User.id).limit(2)).scalars().all()  # a read first
        users[0].locale = "en"
        db.session.flush()  # the transaction opens here
        users[1].locale = "en"
        db.session.flush()
        raise RuntimeError("after the writes")

    app.add_url_rule("/test-write-then-fail", "write_then_fail", write_then_fail)
    _logged_in(client)
    with pytest.raises(RuntimeError):
        client.get("/test-write-then-fail")
    db.session.remove()
    assert db.session.execute(select(User.locale).order_by(User.id).limit(2)).scalars().all().count("en") == 0


@on_postgres
def test_a_row_lock_is_held_until_the_commit(county):
    other = create_engine(PG_URL)
    try:
        first = db.session.execute(select(User.id).order_by(User.id).limit(1)).scalar()  # read before the lock
        db.session.execute(select(User.id).where(User.id == first).with_for_update()).scalar()
        db.session.execute(select(User.id).where(User.id > first).limit(1)).scalar()  # a read after it
        with other.connect() as conn:
            conn.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                conn.execute(text("SELECT id FROM user_account WHERE id = :id FOR UPDATE"), {"id": first})
            conn.rollback()
            db.session.commit()
            conn.execute(text("SET lock_timeout = '2s'"))
            assert conn.execute(text("SELECT id FROM user_account WHERE id = :id FOR UPDATE"), {"id": first}).scalar() == first
    finally:
        other.dispose()


@on_postgres
def test_an_explicit_isolation_level_opens_the_transaction_at_once(county):
    other = create_engine(PG_URL)
    try:
        connection = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        assert connection.execute(text("SHOW transaction_isolation")).scalar() == "repeatable read"
        before = db.session.execute(select(User.locale).where(User.username == "village1")).scalar()
        with other.begin() as conn:
            conn.execute(text("UPDATE user_account SET locale = 'changed' WHERE username = 'village1'"))
        # One snapshot since the first read: the other's committed change is not seen.
        assert db.session.execute(select(User.locale).where(User.username == "village1")).scalar() == before
        db.session.rollback()
    finally:
        other.dispose()


@on_postgres
def test_a_server_side_cursor_runs_in_the_transaction(county):
    db.session.execute(select(User.id).limit(1)).scalar()  # resting in autocommit
    names = [u.username for u in db.session.execute(select(User).order_by(User.id)).scalars().yield_per(2)]
    assert "village1" in names
    db.session.rollback()


@on_postgres
def test_a_copy_after_reads_only_is_part_of_the_transaction(app):
    from datetime import date

    from webapp.infra.bulk import insert_tuples
    from webapp.models import ComparisonResult, ComparisonRun

    run = ComparisonRun(status="running", county_code="341721", as_of=date(2017, 6, 30), batch_ids=[])
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    db.session.execute(select(ComparisonRun.id)).all()  # only a read so far: resting in autocommit
    insert_tuples(ComparisonResult, ["run_id", "id_number", "status", "county_code"],
                  [(run_id, "341721198001010000", "confirmed", "341721")])
    db.session.rollback()
    assert db.session.execute(select(ComparisonResult.id).where(ComparisonResult.run_id == run_id)).all() == []


@on_postgres
def test_prepared_writes_still_open_the_transaction(county, app):
    """With prepared statements (infra/prepared.py) a hot write is sent as EXECUTE by a later
    do_execute listener: the BEGIN is still decided first, whatever order the two were installed
    in, so a rolled-back write leaves nothing."""
    pg_connections.uninstall_engine(db.engine)
    pg_connections.install_engine(db.engine)  # installed after prepared's listener now
    assert prepared.enable(db.engine)
    first = db.session.execute(select(User.id, User.locale).order_by(User.id)).first()
    db.session.rollback()
    before = dict(prepared.counts)
    for turn in range(3):  # the second sight prepares it, the third runs the kept EXECUTE
        db.session.execute(text(f"SELECT id FROM user_account LIMIT {turn + 1}")).all()  # a read: resting
        db.session.execute(text("UPDATE user_account SET locale = :locale WHERE id = :id"),
                           {"locale": "xx", "id": first.id})
        db.session.rollback()
    assert prepared.counts["execute"] > before["execute"], "the write went as EXECUTE"
    assert db.session.execute(select(User.locale).where(User.id == first.id)).scalar() == first.locale
