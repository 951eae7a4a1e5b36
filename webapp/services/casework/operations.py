"""Handlers for the service operators diagrams may call (docs/process-contract.md)."""
from ...engine import operations
from ...extensions import db
from ...models import InboxTask, Person
from . import assignment, cases, changes, registry, timers
from ..intake.problems import close_problem_record


def registry_apply(ctx, params, task_data):
    """County audit approved: the case's forms enter the registry."""
    case = ctx.instance.case
    count = registry.apply_audited_forms(case, ctx.actor)
    cases.add_event(case, "registry_applied", ctx.actor, comment=str(count))
    return {"records": count}


def apply_change(ctx, params, task_data):
    """An approved change request is applied to the person's record, with history.

    A request whose seen value is no longer current is refused on its timeline, never applied
    (services.changes). Cases of older versions carry the change in their payload.
    """
    case = ctx.instance.case
    request = changes.request_of_case(case)
    if request is not None:
        return {"applied": changes.apply(request, ctx.actor, case)}
    person = db.session.get(Person, case.person_id)
    changed = (case.payload or {}).get("changes", {})
    data = dict(person.record.data) if person.record else {}
    data.update(changed)
    registry.write_record(person, data, ctx.actor, reason=(case.payload or {}).get("reason") or "动态变更",
                          source="change", case=case)
    cases.add_event(case, "change_applied", ctx.actor)
    return {"applied": sorted(changed)}


def _open_row(ctx, task_name):
    return (InboxTask.query.filter_by(instance_id=ctx.instance.id, task_name=task_name, state="ready")
            .order_by(InboxTask.id.desc()).first())


def notify_reminder(ctx, params, task_data):
    """A reminder timer fired for a task: timeline event, message to the assignee (services.casework.timers)."""
    task_name = params.get("task")
    timers.remind_row(_open_row(ctx, task_name), ctx.instance.case, task_name)
    return {"reminded": task_name}


def escalate_task(ctx, params, task_data):
    """A deadline passed: the task is marked overdue and reaches the area's supervisors.

    The timer sweep may have escalated the row already from its projected due time;
    ``timers.escalate_row`` then does nothing, so nobody is told twice.
    """
    task_name = params.get("task")
    row = _open_row(ctx, task_name)
    if row is not None:
        timers.escalate_row(row)
    return {"escalated": task_name}


def close_problem(ctx, params, task_data):
    """A problem record was resolved with an outcome: timeline event, problem records resolved."""
    case = ctx.instance.case
    outcome = task_data.get("problem_outcome")
    cases.add_event(case, "problem_closed", ctx.actor, decision=outcome)
    close_problem_record(case, outcome)
    return {"outcome": outcome}


def register_operations():
    """Make every handler known to the engine adapter (called by create_app)."""
    for name, handler in (("registry_apply", registry_apply), ("apply_change", apply_change),
                          ("notify_reminder", notify_reminder), ("escalate_task", escalate_task),
                          ("close_problem", close_problem)):
        operations.register(name, handler)
    operations.register_assigner(assignment.assign_new_task)
