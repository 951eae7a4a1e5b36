"""In-app notifications: assigned, returned, reminder, escalated; the top-bar count; the digest."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from webapp import clock, engine
from webapp.extensions import db
from webapp.models import InboxTask, Notification, ProcessInstance
from webapp.services.casework import cases, tasks
from webapp.services import notifications

from .helpers import user


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.set_now(None)


def _badge(client):
    match = re.search(r'id="notification-count">(\d+)<', client.get("/cases/").get_data(as_text=True))
    return int(match.group(1)) if match else 0


def _to_visit(case_row):
    township, village1 = user("township"), user("village1")
    cases.claim(case_row, township)
    tasks.assign_household(case_row, township, village1.area.code, village1.id)
    db.session.commit()
    return InboxTask.query.filter_by(case_id=case_row.case_id, task_name="visit_household", state="ready").one()


def test_assigned_task_shows_in_the_list_and_the_count(county, client):
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    visit = _to_visit(row)
    client.login("village1")
    assert _badge(client) == 1
    html = client.get("/notifications/").get_data(as_text=True)
    note = Notification.query.filter_by(user_id=user("village1").id).one()
    assert note.kind == "assigned" and note.inbox_task_id == visit.id
    assert f'data-notification="{note.id}"' in html and "分配给您" in html
    response = client.post(f"/notifications/{note.id}/open", token_from="/notifications/")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inbox/tasks/{visit.id}")
    assert _badge(client) == 0
    # Nobody else can open someone's message.
    other = Notification(user_id=user("township").id, kind="assigned")
    db.session.add(other)
    db.session.commit()
    client.post(f"/notifications/{other.id}/open", token_from="/notifications/")
    db.session.expire_all()
    assert db.session.get(Notification, other.id).read_at is None


def test_returned_task_carries_its_reason(county):
    visit = _to_visit(InboxTask.query.filter_by(task_name="assign_household", state="ready").first())
    village1, township = user("village1"), user("township")
    cases.complete(visit, village1, {"visit_result": "completed"})
    db.session.commit()
    review = InboxTask.query.filter_by(case_id=visit.case_id, task_name="first_review", state="ready").one()
    cases.claim(review, township)
    cases.complete(review, township, {"review_decision": "return", "review_comment": "户主电话缺失"})
    db.session.commit()
    note = Notification.query.filter_by(user_id=village1.id, kind="returned").one()
    assert note.message == "户主电话缺失" and note.inbox_task.task_name == "visit_household"


def test_revisit_recorded_by_the_visitor_does_not_notify_them(county):
    visit = _to_visit(InboxTask.query.filter_by(task_name="assign_household", state="ready").first())
    village1 = user("village1")
    cases.complete(visit, village1, {"visit_result": "not_at_home"})
    db.session.commit()
    assert Notification.query.filter_by(user_id=village1.id).count() == 1  # only the first assignment


def test_reminder_reaches_the_assignee_and_escalation_the_supervisor(county, make_client):
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    cases.claim(row, user("township"))
    db.session.commit()
    base = datetime.now(timezone.utc)
    clock.set_now(base + timedelta(days=2, minutes=5))
    engine.fire_due_timers(row.instance_id)
    db.session.commit()
    reminders = Notification.query.filter_by(kind="reminder", inbox_task_id=row.id).all()
    assert [n.user.username for n in reminders] == ["township"]

    clock.set_now(base + timedelta(days=5, minutes=5))
    for instance in ProcessInstance.query.all():
        engine.fire_due_timers(instance.id)
    db.session.commit()
    escalated = Notification.query.filter_by(kind="escalated", inbox_task_id=row.id).all()
    assert sorted(n.user.username for n in escalated) == ["supervisor", "township"]
    supervisor = make_client()
    supervisor.login("supervisor")
    assert _badge(supervisor) == 6
    assert "超期上报" in supervisor.get("/notifications/?unread=1").get_data(as_text=True)
    supervisor.post("/notifications/read-all", token_from="/notifications/")
    assert _badge(supervisor) == 0


def test_daily_digest_once_per_user_and_day(county, app, monkeypatch, client):
    import webapp.jobs.context
    from webapp.jobs import casework as jobs

    monkeypatch.setattr(webapp.jobs.context, "_app", app)
    # 06:00 in Beijing: too early for the day's digest.
    clock.set_now(datetime(2030, 3, 4, 22, 0, tzinfo=timezone.utc))
    assert jobs.daily_digests() == 0
    clock.set_now(datetime(2030, 3, 5, 0, 30, tzinfo=timezone.utc))  # 08:30 in Beijing
    written = jobs.daily_digests()
    assert written >= 3 and jobs.daily_digests() == 0
    digest = Notification.query.filter_by(kind="digest", user_id=user("township").id).one()
    assert digest.detail["team"] == 6 and digest.detail["day"] == "2030-03-05"
    supervisor_digest = Notification.query.filter_by(kind="digest", user_id=user("supervisor").id).one()
    assert supervisor_digest.detail["area_overdue"] == 6  # the 2030 clock is long past every deadline
    assert Notification.query.filter_by(kind="digest", user_id=user("admin").id).count() == 0
    client.login("township")
    assert "团队待领 6 件" in client.get("/notifications/").get_data(as_text=True)
    # The next day brings a new one.
    clock.set_now(datetime(2030, 3, 6, 0, 30, tzinfo=timezone.utc))
    assert jobs.daily_digests() == written


def test_notify_with_a_key_is_written_once(county):
    row = InboxTask.query.first()
    for _ in range(3):
        notifications.notify([user("township").id, user("township2").id], "reminder", row=row, dedupe="x")
    db.session.commit()
    assert Notification.query.filter_by(kind="reminder").count() == 2
