"""Deadlines: finding due work in the database, escalating overdue tasks, reminding assignees.

Two paths reach a deadline, and both end in ``_record_escalations`` exactly once per task and
deadline (reminders likewise end in ``_record_reminders`` once per task, claimed through
``reminded: false -> true`` by ``remind_due`` or the engine's ``notify_reminder``):

* the engine path: a due instance is claimed (``claim_due_instance``) and fired
  (``engine.fire_due_timers``); the diagram's ``escalate_task`` operator calls ``escalate_row``;
* the fast path: ``escalate_overdue`` marks a batch of open inbox rows overdue straight from
  their projected ``due_at`` with one UPDATE, without deserializing any workflow. The engine
  catches up later; its ``escalate_task`` then finds the row already overdue and does nothing.

The claim on a task is the conditional update ``overdue: false -> true``: whichever path flips
it writes the timeline event and the notifications, in the same transaction. Redis is never
consulted: every query here reads the database, so a sweep finds all due work after any outage.
"""
import logging

from redis.exceptions import RedisError
from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import CaseEvent, InboxTask, ProcessInstance, User
from ...models.base import utcnow
from ...queues import enqueue
from .. import notifications
from ..campaign import progress
from ..scoping import in_scope, team_of
from . import cases

log = logging.getLogger(__name__)
ESCALATION_BATCH = 1000
REMINDER_BATCH = 1000
_REMINDER_COLUMNS = (InboxTask.id, InboxTask.case_id, InboxTask.task_name, InboxTask.assignee_id, InboxTask.lane,
                     InboxTask.county_code, InboxTask.township_code, InboxTask.village_code, InboxTask.overdue)
_ESCALATION_COLUMNS = (InboxTask.id, InboxTask.case_id, InboxTask.task_name, InboxTask.assignee_id,
                       InboxTask.county_code, InboxTask.township_code, InboxTask.village_code, InboxTask.due_at)


def _dialect():
    return db.session.get_bind().dialect.name


def due_instances_query(now=None, limit=100):
    """Running instances whose earliest waiting timer is due, earliest first (index-only range)."""
    now = now or utcnow()
    return (select(ProcessInstance.id)
            .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now)
            .order_by(ProcessInstance.next_timer_at).limit(limit))


def claim_due_instance(now=None, exclude=()):
    """Lock one due instance for this transaction and return its id (None when nothing is due).

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent sweepers take different instances.
    SQLite: an UPDATE is the transaction's first statement, which takes the database write lock
    before reading; a second sweeper waits for it and then sees the instance no longer due.
    The caller fires the instance and commits (or rolls back) before claiming the next.
    """
    pick = due_instances_query(now, limit=1)
    if exclude:
        pick = pick.where(ProcessInstance.id.not_in(sorted(exclude)))
    if _dialect() == "postgresql":
        return db.session.execute(pick.with_for_update(skip_locked=True)).scalar()
    table = ProcessInstance.__table__
    claim = (update(table).where(table.c.id == pick.scalar_subquery())
             .values(version=table.c.version).returning(table.c.id))
    return db.session.execute(claim).scalar()


def still_due(instance_id, now=None):
    """True when the instance still has a due timer (it did not move on when fired)."""
    now = now or utcnow()
    due = db.session.execute(select(ProcessInstance.next_timer_at).where(ProcessInstance.id == instance_id)
                             .execution_options(populate_existing=True)).scalar()
    return due is not None and due <= now


def _claim(flag, due_column, now, limit, columns):
    """Set ``flag`` on up to ``limit`` ready rows whose ``due_column`` has passed; their ``columns``.

    One UPDATE ... RETURNING; on PostgreSQL rows other sweepers hold are skipped.
    """
    pick = (select(InboxTask.id)
            .where(InboxTask.state == "ready", getattr(InboxTask, flag) == false(), due_column <= now)
            .order_by(due_column).limit(limit))
    if _dialect() == "postgresql":
        # NO KEY UPDATE: rows still accept new notifications and events pointing at them.
        pick = pick.with_for_update(skip_locked=True, key_share=True)
    stmt = update(InboxTask).where(InboxTask.id.in_(pick)).values({flag: True}).returning(*columns)
    return db.session.execute(stmt, execution_options={"synchronize_session": False}).all()


def escalate_overdue(now=None, limit=ESCALATION_BATCH):
    """Escalate up to ``limit`` open tasks whose deadline passed; return how many.

    One UPDATE ... RETURNING flips ``overdue`` on rows picked through ix_inbox_task_escalation
    (PostgreSQL skips rows other sweepers hold), then the events and notifications are written
    in bulk in the same transaction. The caller commits.
    """
    now = now or utcnow()
    claimed = _claim("overdue", InboxTask.due_at, now, limit, _ESCALATION_COLUMNS)
    _record_escalations(claimed, now)
    return len(claimed)


def escalate_row(row, now=None):
    """The engine's ``escalate_task`` for inbox ``row``: escalate it unless that already happened.

    A supervisor may have moved the deadline: a row whose ``due_at`` is still ahead is left to
    the fast path, which escalates it when the new deadline passes.
    """
    now = now or utcnow()
    stmt = (update(InboxTask)
            .where(InboxTask.id == row.id, InboxTask.state == "ready", InboxTask.overdue == false(),
                   or_(InboxTask.due_at.is_(None), InboxTask.due_at <= now))
            .values(overdue=True).returning(*_ESCALATION_COLUMNS))
    claimed = db.session.execute(stmt, execution_options={"synchronize_session": False}).all()
    if claimed:
        set_committed_value(row, "overdue", True)  # the loaded row agrees, without a second UPDATE
    _record_escalations(claimed, now)
    return bool(claimed)


class _Area:
    """Just the area codes of a claimed row, for the scoping rule."""

    def __init__(self, county_code, township_code, village_code):
        self.county_code, self.township_code, self.village_code = county_code, township_code, village_code


def _supervisors():
    users = (User.query.options(db.joinedload(User.area))
             .filter(User.role == "supervisor", User.active.is_(True)).all())
    return users


def _record_escalations(claimed, now):
    """Timeline events and notifications (assignee and the area's supervisors) for claimed rows."""
    if not claimed:
        return
    progress.tasks_escalated(claimed)

    supervisors = _supervisors()
    by_area = {}
    events, messages = [], []
    for item in claimed:
        area = (item.county_code, item.township_code, item.village_code)
        if area not in by_area:
            by_area[area] = [user.id for user in supervisors if in_scope(_Area(*area), user)]
        events.append({"case_id": item.case_id, "kind": "escalated", "task_name": item.task_name, "at": now})
        # The deadline is part of the key: a task whose deadline was moved can be escalated again.
        stamp = item.due_at.strftime("%Y%m%d%H%M%S") if item.due_at else "none"
        for user_id in set(by_area[area]) | ({item.assignee_id} if item.assignee_id else set()):
            messages.append({"user_id": user_id, "kind": "escalated", "case_id": item.case_id,
                             "inbox_task_id": item.id, "created_at": now,
                             "dedupe_key": f"escalated:{item.id}:{stamp}:{user_id}"})
    db.session.execute(CaseEvent.__table__.insert(), events)
    notifications.insert_ignoring_duplicates(messages)


def remind_due(now=None, limit=REMINDER_BATCH):
    """Send up to ``limit`` reminders that fell due, without the engine; return how many.

    Like ``escalate_overdue``: one UPDATE ... RETURNING claims the rows (``reminded``), then the
    timeline events and messages are written in bulk in the same transaction. The engine's own
    reminder, when it catches up, finds the row reminded and does nothing. The caller commits.
    """
    now = now or utcnow()
    claimed = _claim("reminded", InboxTask.reminder_at, now, limit, _REMINDER_COLUMNS)
    _record_reminders(claimed, now)
    return len(claimed)


def remind_row(row, case, task_name, now=None):
    """The engine's ``notify_reminder``: remind about ``row`` unless the fast path already did.

    A timeline event, and a message to the assignee (an unclaimed task reminds its whole team;
    a task already escalated reminds nobody, but the event still records that it fell due).
    """
    now = now or utcnow()
    if row is None:  # the task is gone: nothing to claim, the timeline still says it fell due
        cases.add_event(case, "reminder", None, task_name)
        return 0
    stmt = (update(InboxTask).where(InboxTask.id == row.id, InboxTask.reminded == false())
            .values(reminded=True).returning(*_REMINDER_COLUMNS))
    claimed = db.session.execute(stmt, execution_options={"synchronize_session": False}).all()
    if claimed:
        set_committed_value(row, "reminded", True)
    return _record_reminders(claimed, now)


class _TeamKey(_Area):
    """The lane and area codes of a claimed row: what ``team_of`` needs."""

    def __init__(self, lane, county_code, township_code, village_code):
        super().__init__(county_code, township_code, village_code)
        self.lane = lane


def _record_reminders(claimed, now):
    """Timeline events and messages (assignee, else the lane's team) for claimed rows; how many messages."""
    if not claimed:
        return 0
    teams, events, messages = {}, [], []
    for item in claimed:
        events.append({"case_id": item.case_id, "kind": "reminder", "task_name": item.task_name, "at": now})
        if item.overdue:
            continue
        if item.assignee_id:
            recipients = {item.assignee_id}
        else:
            key = (item.lane, item.county_code, item.township_code, item.village_code)
            if key not in teams:
                teams[key] = {user.id for user in team_of(_TeamKey(*key))}
            recipients = teams[key]
        # The same key as notifications.notify(..., dedupe=row id) wrote before the fast path.
        messages.extend({"user_id": user_id, "kind": "reminder", "case_id": item.case_id,
                         "inbox_task_id": item.id, "created_at": now,
                         "dedupe_key": f"reminder:{item.id}:{user_id}"} for user_id in sorted(recipients))
    db.session.execute(CaseEvent.__table__.insert(), events)
    notifications.insert_ignoring_duplicates(messages)
    return len(messages)


def backlog(now=None):
    """What the database says is waiting: due instances, overdue tasks not escalated, oldest due."""
    now = now or utcnow()
    due = (db.session.query(func.count(ProcessInstance.id), func.min(ProcessInstance.next_timer_at))
           .filter(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now).one())
    unescalated = (db.session.query(func.count(InboxTask.id))
                   .filter(InboxTask.state == "ready", InboxTask.overdue == false(), InboxTask.due_at <= now)
                   .scalar())
    overdue = (db.session.query(func.count(InboxTask.id))
               .filter(InboxTask.state == "ready", InboxTask.late_at(now)).scalar())
    unreminded = (db.session.query(func.count(InboxTask.id))
                  .filter(InboxTask.state == "ready", InboxTask.reminded == false(), InboxTask.reminder_at <= now)
                  .scalar())
    return {"due_instances": due[0], "oldest_due": due[1], "unescalated": unescalated, "unreminded": unreminded,
            "overdue": overdue}


def ring(job, *args, queue_name="timers", **kwargs):
    """Enqueue a job as a doorbell: a Redis outage is logged and answered with None, never raised.

    Request paths use this; the periodic sweep finds the work from the database anyway.
    """
    try:
        return enqueue(queue_name, job, *args, **kwargs)
    except (RedisError, OSError) as err:
        log.warning("Redis unavailable, %s not enqueued (the sweep will catch up): %s", job.__name__, err)
        return None
