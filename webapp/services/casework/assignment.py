"""Who a new task goes to: lanes are roles, the case's area picks the people.

Overrides are data: the case's named visitor takes village-lane tasks, and a task that comes
back (a return from review) goes to whoever did it last time.
"""
from sqlalchemy import desc

from ...models import InboxTask

# A task that continues another's work goes to whoever did that work, not back to the pool:
# the agency staff member who investigated a problem record also resolves it.
CONTINUES = {"resolve_problem": "investigate_problem"}


def _previous_worker(case, task_name):
    if case.id is None or task_name is None:
        return None
    previous = (InboxTask.query.filter_by(case_id=case.id, task_name=task_name, state="completed")
                .order_by(desc(InboxTask.completed_at), desc(InboxTask.id)).first())
    if previous and previous.completed_by and previous.completed_by.active:
        return previous.completed_by
    return None


def assign_new_task(row, case, first_time=False):
    """Set ``row.assignee`` for a new inbox row, or leave it in the team's unclaimed pool.

    ``first_time`` says the process instance is brand new, so nobody can have done the task before.
    """
    if row.lane == "village" and case.visitor_id:
        # A disabled visitor gets no new work: the task waits in the village pool instead.
        if case.visitor is not None and case.visitor.active:
            row.assignee_id = case.visitor_id
        return
    if first_time:
        return
    previous = _previous_worker(case, row.task_name) or _previous_worker(case, CONTINUES.get(row.task_name))
    if previous is not None and previous.role == row.lane:
        row.assignee_id = previous.id
