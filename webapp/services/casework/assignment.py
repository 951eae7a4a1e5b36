"""Who a new task goes to: lanes are roles, the case's area picks the people.

Overrides are data: the case's named visitor takes village-lane tasks, a task that comes back
(a return from review) goes to whoever did it last time, and a step whose form kind continues
another kind's work (FormKind.continues) goes to whoever did that step.
"""
from sqlalchemy import desc

from ... import form_kinds
from ...models import InboxTask
from .. import known_users
from . import steps


def _continued(row):
    """Task ids of the steps ``row``'s step continues (by form kind), or ()."""
    form_kind, _step = form_kinds.kind_of(row)
    if form_kind is None or not form_kind.continues:
        return ()
    return steps.task_ids(form=form_kind.continues)


def _previous_worker(case, task_names):
    if case.id is None or not task_names:
        return None
    previous = (InboxTask.query.filter(InboxTask.case_id == case.id, InboxTask.task_name.in_(task_names),
                                       InboxTask.state == "completed")
                .order_by(desc(InboxTask.completed_at), desc(InboxTask.id)).first())
    if previous and previous.completed_by and previous.completed_by.active:
        return previous.completed_by
    return None


def _visitor_active(case):
    """Whether ``case``'s visitor account is active; the assistant finishing the visit is mostly the
    visitor, whom this request has read already (services/known_users.py): no statement then."""
    if "visitor" not in case.__dict__:  # not loaded: perhaps known without loading it
        known = known_users.active(case.visitor_id)
        if known is not None:
            return known
    return case.visitor is not None and case.visitor.active


def assign_new_task(row, case, first_time=False):
    """Set ``row.assignee`` for a new inbox row, or leave it in the team's unclaimed pool.

    ``first_time`` says the process instance is brand new, so nobody can have done the task before.
    """
    if row.lane == "village" and case.visitor_id:
        # A disabled visitor gets no new work: the task waits in the village pool instead.
        if _visitor_active(case):
            row.assignee_id = case.visitor_id
        return
    if first_time:
        return
    previous = _previous_worker(case, [row.task_name]) or _previous_worker(case, _continued(row))
    if previous is not None and previous.role == row.lane:
        row.assignee_id = previous.id
