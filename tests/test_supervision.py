"""The supervisor console: late work by area and person, reassigning, absent staff, due dates;
and the administrators' queue dashboard."""
from datetime import datetime, timedelta, timezone

import pytest

from webapp import clock
from webapp.extensions import db
from webapp.models import AuditEvent, Case, CaseEvent, InboxTask, Notification, User
from webapp.services.casework import cases, tasks

from .helpers import user


@pytest.fixture
def late(county):
    """Six distribution tasks, three claimed by ``township``; the clock six days on."""
    rows = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).all()
    for row in rows[:3]:
        cases.claim(row, user("township"))
    db.session.commit()
    clock.set_now(datetime.now(timezone.utc) + timedelta(days=6))
    yield rows
    clock.set_now(None)


def _events(case_id, kind):
    db.session.expire_all()
    return CaseEvent.query.filter_by(case_id=case_id, kind=kind).all()


def test_only_supervisors_see_the_console(county, make_client):
    for username, code in (("township", 403), ("village1", 403), ("county", 403), ("supervisor", 200)):
        client = make_client()
        client.login(username)
        assert client.get("/supervision/").status_code == code, username
    supervisor = make_client()
    supervisor.login("supervisor")
    assert 'id="nav-supervision"' in supervisor.get("/cases/").get_data(as_text=True)
    assert supervisor.get("/supervision/ops").status_code == 403


def test_overview_counts_late_work_by_township_village_and_person(late, client):
    client.login("supervisor")
    html = client.get("/supervision/").get_data(as_text=True)
    assert 'id="total-overdue">6<' in html
    township_code = late[0].township_code
    assert f'data-area="{township_code}"' in html
    assert f'data-person="{user("township").id}"' in html and 'data-person="none"' in html
    listed = client.get(f"/supervision/tasks?due=overdue&assignee={user('township').id}").get_data(as_text=True)
    assert sorted(int(i) for i in __import__("re").findall(r'data-task="(\d+)"', listed)) == \
        sorted(row.id for row in late[:3])
    assert client.get("/supervision/tasks?due=soon").status_code == 200


def test_bulk_reassign_checks_role_and_area_and_leaves_a_trail(late, client):
    client.login("supervisor")
    ids = [late[0].id, late[3].id]
    response = client.post("/supervision/tasks/reassign",
                           {"task_ids": ids, "to_user_id": user("township2").id, "reason": "原经办人外出培训"},
                           token_from="/supervision/tasks")
    assert response.status_code == 302
    db.session.expire_all()
    assert {db.session.get(InboxTask, i).assignee_id for i in ids} == {user("township2").id}
    event = _events(late[0].case_id, "reassigned")[0]
    assert "原经办人外出培训" in event.comment and event.actor_id == user("supervisor").id
    assert AuditEvent.query.filter_by(action="reassign_task").count() == 2
    notes = Notification.query.filter_by(user_id=user("township2").id, kind="assigned").all()
    assert {n.inbox_task_id for n in notes} == set(ids)

    # A village assistant cannot take a township task: refused, nothing changes.
    response = client.post("/supervision/tasks/reassign",
                           {"task_ids": [late[1].id], "to_user_id": user("village1").id, "reason": "试试"},
                           token_from="/supervision/tasks", follow_redirects=True)
    assert "岗位与任务不符" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InboxTask, late[1].id).assignee_id == user("township").id
    # Without a reason nothing happens.
    client.post("/supervision/tasks/reassign", {"task_ids": [late[2].id], "to_user_id": user("township2").id},
                token_from="/supervision/tasks")
    db.session.expire_all()
    assert db.session.get(InboxTask, late[2].id).assignee_id == user("township").id


def test_reassign_all_tasks_of_an_absent_person(late, client):
    client.login("supervisor")
    response = client.post("/supervision/absent", {"person_id": user("township").id,
                                                   "to_user_id": user("township2").id, "reason": "病假"},
                           token_from="/supervision/absent")
    assert response.status_code == 302
    db.session.expire_all()
    assert InboxTask.query.filter_by(assignee_id=user("township").id, state="ready").count() == 0
    assert InboxTask.query.filter_by(assignee_id=user("township2").id, state="ready").count() == 3
    assert AuditEvent.query.filter_by(action="reassign_absent").count() == 1


def test_reassigning_a_visit_changes_the_named_visitor(county, client):
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    township, village1 = user("township"), user("village1")
    cases.claim(row, township)
    tasks.assign_household(row, township, village1.area.code, village1.id)
    colleague = User(username="village1b", display_name="同村协理员", role="village", area=village1.area)
    colleague.set_password("demo1234")
    db.session.add(colleague)
    db.session.commit()
    visit = InboxTask.query.filter_by(case_id=row.case_id, task_name="visit_household", state="ready").one()
    client.login("supervisor")
    client.post("/supervision/tasks/reassign", {"task_ids": [visit.id], "to_user_id": colleague.id,
                                                "reason": "协理员离职"}, token_from="/supervision/tasks")
    db.session.expire_all()
    assert db.session.get(InboxTask, visit.id).assignee_id == colleague.id
    assert db.session.get(Case, row.case_id).visitor_id == colleague.id


def test_change_due_date_with_a_reason(late, client):
    row = late[0]
    row.overdue = True
    db.session.commit()
    client.login("supervisor")
    page = f"/supervision/tasks/{row.id}/due"
    assert client.get(page).status_code == 200
    # No reason: refused by the form.
    response = client.post(page, {"new_due": "2030-01-10T17:30"}, token_from=page)
    assert response.status_code == 200
    db.session.expire_all()
    old_due = db.session.get(InboxTask, row.id).due_at
    response = client.post(page, {"new_due": "2030-01-10T17:30", "reason": "暴雨封路，延期三天"}, token_from=page)
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(InboxTask, row.id)
    assert changed.due_at == datetime(2030, 1, 10, 9, 30) and changed.due_at != old_due  # 17:30 in Beijing
    assert not changed.overdue
    event = _events(row.case_id, "due_changed")[0]
    assert "暴雨封路" in event.comment and "2030-01-10 17:30" in event.comment
    assert AuditEvent.query.filter_by(action="change_due", object_id=str(row.id)).count() == 1
    assert Notification.query.filter_by(kind="due_changed", user_id=user("township").id).count() == 1
    timeline = client.get(f"/cases/{row.case_id}").get_data(as_text=True)
    assert "暴雨封路" in timeline


def test_queue_dashboard_for_admins(county, make_client, app):
    admin = make_client()
    admin.login("admin")
    html = admin.get("/supervision/ops").get_data(as_text=True)
    assert 'id="queues"' in html and 'id="backlog"' in html and "timer-sweep" in html
    assert 'id="nav-ops"' in admin.get("/admin/diagrams").get_data(as_text=True)
    # With Redis gone the page still answers, and asking for a sweep is logged, not an error.
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    html = admin.get("/supervision/ops").get_data(as_text=True)
    assert 'id="redis-down"' in html
    response = admin.post("/supervision/ops/sweep", token_from="/supervision/ops", follow_redirects=True)
    assert response.status_code == 200 and "恢复后自动补做" in response.get_data(as_text=True)
