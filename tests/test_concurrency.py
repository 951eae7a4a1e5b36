"""Two completions of the same task at the same moment: exactly one wins, the other is told who.

Each thread has its own app context, so its own session and database connection (on
PostgreSQL these are separate server connections taking the instance's row lock).
"""
import threading

from webapp import engine
from webapp.extensions import db
from webapp.models import InboxTask, User
from webapp.services.casework import cases

from .helpers import case_at_visit, case_in_village, open_task, user


def _race(app, row_id, usernames):
    results, barrier = {}, threading.Barrier(len(usernames))

    def complete_as(slot, username):
        with app.app_context():
            actor = User.query.filter_by(username=username).one()
            row = db.session.get(InboxTask, row_id)
            barrier.wait()
            try:
                cases.complete(row, actor, {"visit_result": "not_at_home", "visit_comment": f"slot {slot}"})
                db.session.commit()
                results[slot] = ("won", None)
            except engine.TaskNotAvailable as err:
                db.session.rollback()
                results[slot] = ("lost", err.completed_by.username if err.completed_by else None)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete_as, args=(i, name)) for i, name in enumerate(usernames)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_double_submission_in_two_threads_has_one_winner(county):
    case = case_at_visit()
    row_id = open_task(case, "visit_household").id
    for _ in range(3):  # repeat: a race that passes once may pass by luck
        results = _race(county, row_id, ["village1", "village1"])
        outcomes = sorted(r[0] for r in results.values())
        assert outcomes == ["lost", "won"], results
        loser = next(r for r in results.values() if r[0] == "lost")
        assert loser[1] in (None, "village1")
        db.session.expire_all()
        # Exactly one revisit task was created: the winner's completion only.
        open_rows = InboxTask.query.filter_by(case_id=case.id, task_name="visit_household", state="ready").all()
        assert len(open_rows) == 1
        assert db.session.get(InboxTask, row_id).state == "completed"
        row_id = open_rows[0].id


def test_loser_is_told_who_completed(county, make_client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    first, second = make_client(), make_client()
    first.login("village1")
    second.login("village1")
    page = f"/inbox/tasks/{row.id}"
    data = {"visit_result": "not_at_home", "visit_date": "2026-11-28"}
    token_second = second.token(page)  # the second tab loaded the form before the first submitted
    assert first.post(page, data, token_from=page).status_code == 302
    response = second.raw.post(page, data=dict(data, csrf_token=token_second), follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "此任务已由" in text and user("village1").display_name in text
    assert InboxTask.query.filter_by(case_id=case.id, task_name="visit_household", state="ready").count() == 1


def test_claim_race_between_two_township_staff(county, make_client):
    case = case_in_village()
    row = open_task(case, "assign_household")
    first, second = make_client(), make_client()
    first.login("township")
    second.login("township2")
    assert first.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team").status_code == 302
    response = second.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team", follow_redirects=True)
    assert "已被他人认领" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).assignee.username == "township"
