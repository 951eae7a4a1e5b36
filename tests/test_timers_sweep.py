"""The timer sweep in one process: reminders, escalations, the fast path, moved deadlines."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from webapp import engine
from webapp.extensions import db
from webapp.models import InboxTask, Notification, ProcessInstance, User
from webapp.models.base import utcnow
from webapp.services.casework import supervision, timers

from .helpers import user
from .worker_fixtures import (assert_each_timer_fired_once, due_instance_count, open_distribution_cases,
                              timer_events)


@pytest.fixture
def sweep(app, monkeypatch):
    """Run the real sweep job in this process, against the test's app."""
    import webapp.jobs.context
    from webapp.jobs import casework as jobs

    monkeypatch.setattr(webapp.jobs.context, "_app", app)

    def run():
        result = jobs.sweep_timers(max_seconds=60)
        db.session.expire_all()
        return result
    return run


def _notes(kind):
    db.session.expire_all()
    return Notification.query.filter_by(kind=kind).all()


def test_reminder_then_escalation_each_once(county, clock_file, sweep):
    case_ids = open_distribution_cases()
    assert len(case_ids) == 6
    clock_file.advance(days=2, minutes=1)
    result = sweep()
    assert result["fired"] == 6 and result["escalated"] == 0
    assert assert_each_timer_fired_once(case_ids, kinds=("reminder",))
    assert not any(kind == "escalated" for _, kind in timer_events())
    # Unclaimed township tasks remind the whole township team, once per task and person.
    reminders = _notes("reminder")
    assert {n.user.username for n in reminders} == {"township", "township2"}
    assert len(reminders) == 12

    clock_file.advance(days=5, minutes=1)
    result = sweep()
    assert result["escalated"] == 6
    assert_each_timer_fired_once(case_ids)
    rows = InboxTask.query.filter_by(task_name="assign_household", state="ready").all()
    assert all(row.overdue for row in rows)
    escalations = _notes("escalated")
    assert {n.user.username for n in escalations} == {"supervisor"} and len(escalations) == 6
    assert due_instance_count() == 0

    # Running it again changes nothing.
    assert sweep() == {"escalated": 0, "reminded": 0, "fired": 0, "failed": 0}
    assert_each_timer_fired_once(case_ids)
    assert len(_notes("escalated")) == 6


def test_fast_path_first_then_engine_does_not_notify_twice(county, clock_file, sweep):
    case_ids = open_distribution_cases()
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    row.assignee_id = user("township").id
    db.session.commit()
    clock_file.advance(days=6)
    assert timers.escalate_overdue() == 6
    db.session.commit()
    assert timers.escalate_overdue() == 0
    # The engine catches up: reminders and its own escalate_task, which finds the rows escalated.
    for instance in ProcessInstance.query.all():
        engine.fire_due_timers(instance.id)
    db.session.commit()
    assert_each_timer_fired_once(case_ids)
    escalations = _notes("escalated")
    assert len(escalations) == 7  # the supervisor for each task, and the one assignee
    assert {n.user.username for n in escalations if n.inbox_task_id == row.id} == {"supervisor", "township"}
    # A task already escalated reminds nobody.
    assert _notes("reminder") == []


def test_engine_first_then_fast_path_finds_nothing(county, clock_file):
    case_ids = open_distribution_cases()
    clock_file.advance(days=6)
    for instance in ProcessInstance.query.all():
        engine.fire_due_timers(instance.id)
    db.session.commit()
    assert timers.escalate_overdue() == 0
    assert_each_timer_fired_once(case_ids)


def test_moved_deadline_escalates_at_the_new_time_once(county, clock_file, sweep):
    rows = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).all()
    later, earlier = rows[0], rows[1]
    boss = user("supervisor")
    supervision.change_due(later, later.due_at + timedelta(days=3), boss, "村里道路中断")
    supervision.change_due(earlier, earlier.due_at - timedelta(days=2), boss, "集中攻坚")
    db.session.commit()

    clock_file.advance(days=3, hours=12)  # past the earlier deadline only
    sweep()
    events = timer_events()
    assert events.get((earlier.case_id, "escalated")) == 1
    assert sum(n for (cid, kind), n in events.items() if kind == "escalated") == 1

    clock_file.advance(days=6)  # the diagram's deadline passed; the moved one did not
    sweep()
    events = timer_events()
    assert events.get((later.case_id, "escalated")) is None
    assert events.get((earlier.case_id, "escalated")) == 1
    assert sum(n for (cid, kind), n in events.items() if kind == "escalated") == 5

    clock_file.advance(days=8, minutes=5)
    sweep()
    events = timer_events()
    assert events.get((later.case_id, "escalated")) == 1
    assert db.session.get(InboxTask, later.id).overdue


def test_due_instance_query_uses_its_index(county):
    query = timers.due_instances_query(utcnow(), limit=100)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET enable_seqscan = off"))  # a tiny table would otherwise be scanned
        plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
    else:
        plan = "\n".join(str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_process_instance_due" in plan, plan


def test_escalation_sweep_uses_its_index(county):
    from sqlalchemy import false, select

    query = (select(InboxTask.id).where(InboxTask.state == "ready", InboxTask.overdue == false(),
                                        InboxTask.due_at <= utcnow()).order_by(InboxTask.due_at).limit(1000))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "postgresql":
        # On the test's tiny table every index on ``state`` costs the same, and the planner then
        # picked one or the other from run to run; the sweep's point is to read due tasks in due
        # order without sorting them, which only ix_inbox_task_escalation (state, overdue, due_at) does.
        db.session.execute(text("SET enable_seqscan = off"))
        db.session.execute(text("SET enable_sort = off"))
        plan = "\n".join(r[0] for r in db.session.execute(text(f"EXPLAIN {compiled}")))
        assert "Sort" not in plan, plan  # disabled sorting is still chosen when no index gives the order
    else:
        plan = "\n".join(str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_inbox_task_escalation" in plan, plan


def test_completing_an_overdue_task_fires_its_timers_first(county, clock_file):
    """A task completed after its deadline, before any sweep: the timers still fire once."""
    from webapp.services.casework import cases

    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    township = user("township")
    cases.claim(row, township)
    db.session.commit()
    clock_file.advance(days=6)
    village = User.query.filter_by(username="village1").one()
    from webapp.services.casework import tasks

    tasks.assign_household(row, township, village.area.code, village.id)
    db.session.commit()
    events = timer_events()
    assert events[(row.case_id, "reminder")] == 1 and events[(row.case_id, "escalated")] == 1
    # The visitor was told about the new visit task.
    assigned = Notification.query.filter_by(kind="assigned", user_id=village.id).all()
    assert len(assigned) == 1 and assigned[0].inbox_task.task_name == "visit_household"
