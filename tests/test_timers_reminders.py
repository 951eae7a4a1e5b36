"""Reminders on the fast path: sent from the inbox rows without the engine, once, and the engine
catches up afterwards (by the sweep or at the next completion) without sending them again."""
from webapp import engine
from webapp.extensions import db
from webapp.models import InboxTask, Notification, ProcessInstance
from webapp.models.base import utcnow
from webapp.services.casework import cases, tasks, timers

from .helpers import user
from .worker_fixtures import assert_each_timer_fired_once, open_distribution_cases


def _notes():
    db.session.expire_all()
    return Notification.query.filter_by(kind="reminder").all()


def _fire_all():
    for instance in ProcessInstance.query.all():
        engine.fire_due_timers(instance.id)
    db.session.commit()


def test_fast_path_reminds_once_and_the_engine_catches_up_without_repeating(county, clock_file):
    case_ids = open_distribution_cases()
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).first()
    row.assignee_id = user("township2").id
    db.session.commit()
    clock_file.advance(days=2, minutes=1)  # past the reminder, not the deadline

    assert timers.remind_due() == 6
    db.session.commit()
    assert timers.remind_due() == 0
    assert_each_timer_fired_once(case_ids, kinds=("reminder",))
    notes = _notes()
    # The claimed task reminds its assignee only; the five unclaimed ones the township team.
    assert sorted(n.user.username for n in notes if n.inbox_task_id == row.id) == ["township2"]
    assert len(notes) == 1 + 5 * 2
    assert timers.backlog()["unreminded"] == 0

    _fire_all()  # the engine catches up: its notify_reminder finds every row reminded
    assert_each_timer_fired_once(case_ids, kinds=("reminder",))
    assert len(_notes()) == 11
    now = utcnow()
    for instance in ProcessInstance.query.all():
        assert instance.status == "running" and instance.next_timer_at > now  # only the deadline waits
    assert engine.fire_due_timers(ProcessInstance.query.first().id) == []  # nothing left to fire


def test_completion_after_the_fast_path_does_not_remind_again(county, clock_file):
    case_ids = open_distribution_cases()
    clock_file.advance(days=2, minutes=1)
    assert timers.remind_due() == 6
    db.session.commit()
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).first()
    township, visitor = user("township"), user("village1")
    assert cases.claim(row, township)
    tasks.assign_household(row, township, visitor.area.code, visitor.id)  # the engine catches up here
    db.session.commit()
    assert_each_timer_fired_once(case_ids, kinds=("reminder",))
    assert len(_notes()) == 12
    db.session.expire_all()
    visit = InboxTask.query.filter_by(case_id=row.case_id, task_name="visit_household", state="ready").one()
    assert visit.assignee_id == visitor.id and not visit.reminded


def test_engine_first_then_fast_path_finds_nothing(county, clock_file):
    case_ids = open_distribution_cases()
    clock_file.advance(days=2, minutes=1)
    _fire_all()
    assert timers.remind_due() == 0
    assert_each_timer_fired_once(case_ids, kinds=("reminder",))
    assert len(_notes()) == 12


def test_an_escalated_task_is_reminded_to_nobody_but_the_timeline_says_so(county, clock_file):
    case_ids = open_distribution_cases()
    clock_file.advance(days=6)
    assert timers.escalate_overdue() == 6
    assert timers.remind_due() == 6
    db.session.commit()
    _fire_all()
    assert_each_timer_fired_once(case_ids)
    assert _notes() == []
