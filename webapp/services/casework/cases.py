"""Cases: starting them, completing their tasks, and their timelines."""
from contextlib import nullcontext

from sqlalchemy import or_

from ...extensions import db
from ...infra import new_rows
from ...models import Case, CaseEvent, InboxTask
from ...models.base import utcnow
from ... import engine, form_kinds
from .. import audit, notifications
from ..campaign import progress

REGISTRATION_PROCESS = "registration_case"


def add_event(case, kind, actor=None, task_name=None, decision=None, comment=None):
    """Append one line to the case timeline."""
    fields = dict(kind=kind, actor_id=getattr(actor, "id", None), task_name=task_name, decision=decision,
                  comment=comment, at=utcnow())
    if case.id is not None and "events" not in case.__dict__:
        # A stored case whose timeline is not loaded: by its id, so the case itself does not
        # join the flush (a pending append to its unloaded ``events`` made it dirty).
        event = new_rows.fresh(CaseEvent, case_id=case.id, **fields)
    else:
        event = CaseEvent(case=case, **fields)
    db.session.add(event)
    return event


def household_case_title(household):
    """How a registration case is named in lists: the head of household and the household number."""
    return f"{household.head_name or ''}户（户号 {household.household_number}）"


def start_registration_case(household, actor=None):
    """Open a registration case for ``household`` and start its process."""
    case = Case(kind="registration", title=household_case_title(household), household=household,
                county_code=household.county_code, township_code=household.township_code,
                village_code=household.village_code, status="open")
    db.session.add(case)
    add_event(case, "started", actor)
    # The counters need the area codes only (no flush for an id). They are written with the case,
    # its timeline line, instance and inbox row after the run (one statement on PostgreSQL), so
    # the busy counter rows are not locked while the engine runs.
    _, created = engine.start_process(case, REGISTRATION_PROCESS,
                                      data={"household_id": household.id, "village_code": household.village_code},
                                      actor=actor, along=progress.case_started_counts(case))
    notifications.tasks_arrived(created, actor)
    return case


def start_case(kind, process_id, title, area, actor=None, payload=None, person=None, data=None):
    """Open a case of any other kind (a change request, a problem record) in ``area``."""
    case = Case(kind=kind, title=title, county_code=area.county_code, township_code=area.township_code,
                village_code=area.code if area.level == "village" else None, status="open",
                payload=payload, person_id=getattr(person, "id", None))
    db.session.add(case)
    add_event(case, "started", actor)
    _, created = engine.start_process(case, process_id, data=data or {}, actor=actor)
    notifications.tasks_arrived(created, actor)
    return case


def complete(row, actor, data):
    """Complete inbox ``row`` with form ``data``: engine, timeline, return reasons, case status."""
    case = row.case
    # PostgreSQL: the instance's UPDATE comes back to go with the new rows below (one statement).
    later = []
    created = engine.complete_task(row, actor, data, later=later)
    along = later[0] if later else None
    if row.state != "completed":
        if along is not None:
            _write_along(row, lambda: new_rows.run_along(along))
        return created  # the case stopped at an incident before the task could run (see the case page)
    # What the step writes comes from its diagram and its form kind (webapp/form_kinds.py).
    form_kind, _step = form_kinds.kind_of(row)
    decision_key, comment_key = form_kinds.variables_of(row)
    decision = data.get(decision_key) if decision_key else None
    comment = data.get(comment_key) if comment_key else None
    # The counters read only timeline lines: with none pending, the new inbox rows need no flush
    # for them, and are written below instead (a pending line, from an earlier completion in this
    # transaction, is flushed first as before).
    with nullcontext() if _timeline_pending() else db.session.no_autoflush:
        progress.task_completed(case, row, decision)  # before this event: "first time" looks at earlier ones
    event = add_event(case, "task_completed", actor, row.task_name, decision, comment)
    if form_kind is not None and decision in form_kind.returns:
        # The revisit page tells the two apart (tasks.revisit_of); the row keeps only the note.
        for new_row in created:
            if new_row.return_reason != (comment or None):  # unchanged: no UPDATE of the new row
                new_row.return_reason = comment or None  # never the raw decision code
    # The next inbox rows and the timeline line as prebuilt INSERTs (one statement on PostgreSQL),
    # not the commit's flush; rows the run already flushed (a service task) leave it to the flush.
    _write_along(row, lambda: new_rows.write([created, [event]], along=along))
    notifications.tasks_arrived(created, actor, returned=decision == "return")
    instance = row.instance
    if instance.status == "completed":
        case.status, case.closed_at = "completed", utcnow()
        add_event(case, "completed", actor)
    return created


def _write_along(row, write):
    """Run ``write``, which runs the instance's UPDATE ``complete_task`` left for later: another
    writer that saved the instance first is a lost race, told as the engine tells it."""
    try:
        write()
    except new_rows.AlongMissed as err:
        engine.lost_race(row, err)


def _timeline_pending():
    return any(isinstance(obj, CaseEvent) for obj in db.session.new)


def claim(row, user):
    """Take an unclaimed team task into one's own inbox; False when someone else was faster.

    A conditional UPDATE, so two people claiming at once cannot both win.
    """
    updated = (InboxTask.query
               .filter(InboxTask.id == row.id, InboxTask.state == "ready",
                       or_(InboxTask.assignee_id.is_(None), InboxTask.assignee_id == user.id))
               .update({"assignee_id": user.id}, synchronize_session=False))
    if not updated:
        return False
    db.session.refresh(row)
    add_event(row.case, "claimed", user, row.task_name)
    return True


def unclaim(row, user):
    """Put one's own task back into the team's pool."""
    if row.assignee_id != user.id:
        raise engine.TaskNotAvailable("task is not yours")
    row.assignee_id = None
    add_event(row.case, "unclaimed", user, row.task_name)


def open_tasks_of(case):
    """The case's ready inbox rows."""
    return InboxTask.query.filter_by(case_id=case.id, state="ready").order_by(InboxTask.id).all()
