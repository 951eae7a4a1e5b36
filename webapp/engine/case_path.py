"""Where a case is in its diagrams: the elements it passed, the flows it took, where it waits.

Read from the live workflow of each process instance (nothing is written). The result names
BPMN element ids per process id, so the case page can mark them on the drawn diagrams.
"""
from SpiffWorkflow.util.task import TaskState

from .runtime import _load


def _bpmn_id(task):
    return getattr(task.task_spec, "bpmn_id", None)


def instance_path(instance):
    """{process id: {"completed": [...], "waiting": [...], "flows": [(source id, target id), ...]}}.

    ``completed`` are elements the case passed, ``waiting`` those that are ready or waiting
    (user tasks, call activities underway); ``flows`` are the parent → child steps of
    the task tree, i.e. the sequence flows actually taken.
    """
    workflow = _load(instance)
    path = {}
    for task in workflow.get_tasks():
        element = _bpmn_id(task)
        if element is None:
            continue  # the engine's own start/end bookkeeping tasks
        entry = path.setdefault(task.workflow.spec.name, {"completed": set(), "waiting": set(), "flows": set()})
        if task.state == TaskState.COMPLETED:
            entry["completed"].add(element)
        elif task.state in (TaskState.READY, TaskState.STARTED):  # not WAITING: armed deadline timers
            entry["waiting"].add(element)
        else:
            continue
        parent = task.parent
        # Boundary events wrap their task in a hidden parent without a BPMN id: skip it.
        while parent is not None and not _bpmn_id(parent) and parent.workflow is task.workflow:
            parent = parent.parent
        if parent is not None and _bpmn_id(parent) and parent.workflow is task.workflow:
            entry["flows"].add((_bpmn_id(parent), element))
    return {process: {"completed": sorted(v["completed"]), "waiting": sorted(v["waiting"]),
                      "flows": sorted(v["flows"])} for process, v in path.items()}
