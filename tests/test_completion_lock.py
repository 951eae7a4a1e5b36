"""A completion locks its instance and reads its rows in one statement (engine/completion.py).

On PostgreSQL a statement that waited for the instance's row lock sees the instance as the other
writer committed it but the inbox rows as they were before it; the completion then reads them
again. These tests make a completion wait for another writer on purpose: the loser is told who
finished the task as before (the task's row says so, not an engine conflict), and rows the other
writer changed are seen as it left them. SQLite has no row lock to wait on (one writer at a time).
"""
import threading

import pytest
from sqlalchemy import text

from webapp import engine
from webapp.extensions import db
from webapp.models import InboxTask, User
from webapp.services.casework import cases

from .conftest import PG_URL
from .helpers import case_at_visit, open_task, waits_on_a_lock

pytestmark = pytest.mark.skipif(not PG_URL, reason="SQLite has no row lock for a completion to wait on")
NOT_AT_HOME = {"visit_result": "not_at_home", "visit_comment": ""}


def _complete_when_released(app, row_id, release, results):
    """In its own session: complete ``row_id`` (waiting for the lock if held), keep the outcome."""
    with app.app_context():
        try:
            row = db.session.get(InboxTask, row_id)
            actor = User.query.filter_by(username="village1").one()
            release.set()
            cases.complete(row, actor, NOT_AT_HOME)
            db.session.commit()
            results["outcome"] = "won"
        except engine.TaskNotAvailable as err:
            db.session.rollback()
            results["outcome"] = err
            results["completed_by"] = getattr(err.completed_by, "id", None)  # read in this session
        finally:
            db.session.remove()


def _race_behind(app, row_id, other_writer):
    """``other_writer(connection)`` writes and holds its transaction while a completion of
    ``row_id`` starts and waits for the instance's lock; then it commits. The completion's outcome."""
    results, started = {}, threading.Event()
    with db.engine.connect() as conn:
        other_writer(conn)  # the instance row is now locked by this open transaction
        thread = threading.Thread(target=_complete_when_released, args=(app, row_id, started, results))
        thread.start()
        started.wait()
        waited = waits_on_a_lock(PG_URL, thread)
        conn.commit()
    thread.join()
    assert waited, results
    return results["outcome"], results.get("completed_by")


def _completes(instance_id, row_id, winner_id):
    """Another writer completing task ``row_id`` as user ``winner_id`` (its instance saved)."""
    def completes_the_same_task(conn):
        conn.execute(text("UPDATE process_instance SET version = version + 1 WHERE id = :id"), {"id": instance_id})
        conn.execute(text("UPDATE inbox_task SET state = 'completed', completed_by_id = :by, completed_at = now() "
                          "WHERE id = :id"), {"id": row_id, "by": winner_id})
    return completes_the_same_task


def _opens_another_row(instance_id, row_id):
    """Another writer saving the instance with one more open row, a copy of ``row_id``'s."""
    def opens_another_row(conn):
        conn.execute(text("UPDATE process_instance SET version = version + 1 WHERE id = :id"), {"id": instance_id})
        conn.execute(text(
            "INSERT INTO inbox_task (case_id, instance_id, diagram_version_id, task_uuid, task_name, title, "
            "process_id, lane, county_code, township_code, village_code, state, overdue, reminded, created_at) "
            "SELECT case_id, instance_id, diagram_version_id, 'not-in-the-workflow', task_name, title, process_id, "
            "lane, county_code, township_code, village_code, 'ready', overdue, reminded, created_at "
            "FROM inbox_task WHERE id = :id"), {"id": row_id})
    return opens_another_row


def test_a_completion_that_waited_for_the_winner_is_told_who_finished_the_task(county):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    winner = User.query.filter_by(username="township").one()  # not the one completing below
    instance_id, row_id, winner_id = row.instance_id, row.id, winner.id
    db.session.commit()

    outcome, completed_by = _race_behind(county, row_id, _completes(instance_id, row_id, winner_id))
    # As before the one-statement read: the task's own row tells who finished it.
    assert type(outcome) is engine.TaskNotAvailable, outcome
    assert completed_by == winner_id


def test_a_completion_that_waited_sees_the_rows_the_other_writer_opened(county):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    instance_id, row_id = row.instance_id, row.id
    db.session.commit()

    assert _race_behind(county, row_id, _opens_another_row(instance_id, row_id))[0] == "won"
    db.session.expire_all()
    # The other writer's row was read after the lock: the workflow has no such task, so it was
    # cancelled like any open row the workflow left behind (a stale read would have left it open).
    stray = InboxTask.query.filter_by(case_id=case.id, task_uuid="not-in-the-workflow").one()
    assert stray.state == "cancelled"
    ready = InboxTask.query.filter_by(case_id=case.id, state="ready").all()
    assert [r.task_name for r in ready] == ["visit_household"] and ready[0].id != row_id



def _post_visit_behind(client, row_id, other_writer):
    """The visit page's POST of ``row_id`` as its assistant, started while ``other_writer(connection)``
    holds the instance's lock, which it then commits. The page the assistant is shown."""
    client.login("village1")
    token = client.token(f"/inbox/tasks/{row_id}")
    answered = {}

    def post():
        answered["page"] = client.raw.post(f"/inbox/tasks/{row_id}", data={
            "visit_result": "not_at_home", "visit_date": "2026-06-01", "visit_comment": "", "csrf_token": token},
            follow_redirects=True).get_data(as_text=True)

    with db.engine.connect() as conn:
        other_writer(conn)
        thread = threading.Thread(target=post)
        thread.start()
        waited = waits_on_a_lock(PG_URL, thread)
        conn.commit()
    thread.join()
    assert waited, answered.get("page", "")[:2000]
    return answered["page"]


def test_a_visit_posted_while_another_writer_finishes_it_tells_the_assistant_who_did(county, client):
    # The page's POST reads the task with its instance's lock (engine.task_locked): it waits there,
    # then answers as before, naming the winner, with nothing written.
    case = case_at_visit()
    row = open_task(case, "visit_household")
    winner = User.query.filter_by(username="township").one()
    instance_id, row_id, winner_id, winner_name = row.instance_id, row.id, winner.id, winner.display_name
    db.session.commit()
    page = _post_visit_behind(client, row_id, _completes(instance_id, row_id, winner_id))
    assert f"此任务已由 {winner_name} 办理" in page
    db.session.expire_all()
    assert InboxTask.query.filter_by(case_id=case.id, state="ready").count() == 0
    assert db.session.get(InboxTask, row_id).completed_by_id == winner_id


def test_a_visit_posted_while_another_writer_opens_a_row_sees_that_row(county, client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    row_id = row.id
    db.session.commit()
    page = _post_visit_behind(client, row_id, _opens_another_row(row.instance_id, row_id))
    assert "已提交" in page
    db.session.expire_all()
    # Read again after the lock: the workflow has no such task, so it was cancelled.
    assert InboxTask.query.filter_by(case_id=case.id, task_uuid="not-in-the-workflow").one().state == "cancelled"
    assert db.session.get(InboxTask, row_id).state == "completed"
