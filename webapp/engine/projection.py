"""The inbox projection: ready human tasks and timer due times, read from a live workflow."""
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState


def _naive_utc(value):
    if value is None:
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _timer_due(task):
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):  # cycle timers keep {'next': ...}
        value = value.get("next")
    try:
        return _naive_utc(value)
    except (TypeError, ValueError):
        return None


def waiting_timers(workflow, waiting=None):
    """(task, due) for every waiting timer of the workflow, subprocesses included.

    ``waiting``: the workflow's waiting tasks when the caller already has them (``tree.survey``).
    """
    timers = []
    for task in workflow.get_tasks(state=TaskState.WAITING) if waiting is None else waiting:
        due = _timer_due(task)
        if due is not None:
            timers.append((task, due))
    return timers


def _boundary_due(user_task, suffix):
    """Due time of the boundary timer ``<task id><suffix>`` attached to ``user_task``."""
    parent = user_task.parent
    if parent is None:
        return None
    wanted = f"{user_task.task_spec.bpmn_id}{suffix}"
    for sibling in parent.children:
        if sibling is not user_task and getattr(sibling.task_spec, "bpmn_id", None) == wanted:
            return _timer_due(sibling)
    return None


def ready_human_tasks(workflow, ready=None):
    """Describe every ready user task: id, spec id, title, lane, process, deadline, reminder.

    ``ready``: the workflow's ready human tasks when the caller already has them (``tree.survey``).
    """
    described = []
    for task in workflow.get_tasks(state=TaskState.READY, manual=True) if ready is None else ready:
        spec = task.task_spec
        described.append({
            "uuid": str(task.id),
            "task_name": spec.bpmn_id or spec.name,
            "title": spec.bpmn_name or spec.bpmn_id or spec.name,
            "lane": spec.lane,
            "process_id": task.workflow.spec.name,
            "due_at": _boundary_due(task, "_deadline"),
            "reminder_at": _boundary_due(task, "_reminder"),
        })
    return described
