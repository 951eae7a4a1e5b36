"""PostgreSQL through psycopg 3 (webapp/infra/prepared.py): a page that only reads leaves its
statements prepared on the server for the next request, while a request or job that wrote and
then failed is still rolled back."""
import pytest
from flask import abort
from sqlalchemy import event, select, update

from webapp.extensions import db
from webapp.infra import prepared
from webapp.models import User

from .conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="server-side prepared statements: psycopg 3 on PostgreSQL")


def _record_connections():
    """The psycopg connections the pool hands out from now on."""
    used = []
    event.listen(db.engine, "checkout", lambda dbapi_connection, record, proxy: used.append(dbapi_connection))
    return used


def _prepared_statements(dbapi_connection):
    """The statements prepared in that connection's server session (pg_prepared_statements shows
    only its own session's), with how often each ran prepared."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        rows = cursor.fetchall()
    dbapi_connection.commit()  # a rollback would make psycopg deallocate them
    return rows


def _locale(username):
    with db.engine.connect() as connection:
        return connection.scalar(select(User.locale).where(User.username == username))


def test_read_only_requests_keep_their_statements_prepared_between_requests(county, client):
    client.login("village1")
    used = _record_connections()
    for _ in range(prepared.PREPARE_THRESHOLD + 2):
        assert client.get("/inbox").status_code == 200
    statements = [row for connection in set(used) for row in _prepared_statements(connection)]
    # The my-tasks query was prepared by one request and ran prepared again in later ones: each
    # request in between ended without the ROLLBACK that would have deallocated it.
    assert any("inbox_task" in statement and runs >= 2 for statement, runs in statements), statements


def test_a_request_that_wrote_then_failed_is_rolled_back(county, client, app):
    @app.route("/test-write-then-refuse")
    def write_then_refuse():
        db.session.execute(update(User).where(User.username == "village1").values(locale="en"))
        abort(403)  # handled: the page answers 403 and the teardown sees no exception

    @app.route("/test-write-then-crash")
    def write_then_crash():
        db.session.execute(update(User).where(User.username == "village1").values(locale="en"))
        raise RuntimeError("after the write")

    before = _locale("village1")
    assert before != "en"
    client.login("village1")
    assert client.get("/test-write-then-refuse").status_code == 403
    assert _locale("village1") == before
    with pytest.raises(RuntimeError):
        client.get("/test-write-then-crash")
    assert _locale("village1") == before
    assert client.get("/inbox").status_code == 200  # the connections are usable afterwards


def test_a_job_ends_with_a_commit_only_when_it_wrote_nothing(county, app):
    with app.app_context():  # as webapp/jobs/context.py runs a job
        db.session.execute(select(User.id)).all()
        assert prepared.end_read_only()
        db.session.remove()
    with app.app_context():
        db.session.execute(update(User).where(User.username == "village1").values(locale="en"))
        assert not prepared.end_read_only()
        db.session.remove()
    with app.app_context():
        db.session.add(User(username="never-flushed", role="village", area_id=None))
        assert prepared.end_read_only() is False  # nothing in the database yet: nothing to end
        db.session.remove()
    assert _locale("village1") != "en"
    with db.engine.connect() as connection:
        assert connection.scalar(select(User.id).where(User.username == "never-flushed")) is None
