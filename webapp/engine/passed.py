"""Which diagram elements a case passed, kept beside the live state.

Pruning (``pruning.py``) drops finished parts of the task tree, so the live state alone no longer
shows the path a case took. Before each save, what the workflow has completed (elements and the
flows between them) is merged into ``process_instance.passed``: a set per process of at most the
diagram's size, so it does not grow with the number of loops either.
"""
from SpiffWorkflow.util.task import TaskState


def bpmn_id(task):
    """The BPMN element id of an engine task (None for the engine's own bookkeeping tasks)."""
    return getattr(task.task_spec, "bpmn_id", None)


def walk(workflow):
    """{process id: {"completed": set, "waiting": set, "flows": set of (source, target)}} of the live tree."""
    path = {}
    for task in workflow.get_tasks():
        element = bpmn_id(task)
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
        while parent is not None and not bpmn_id(parent) and parent.workflow is task.workflow:
            parent = parent.parent
        if parent is not None and bpmn_id(parent) and parent.workflow is task.workflow:
            entry["flows"].add((bpmn_id(parent), element))
    return path


def remember(passed, workflow):
    """``passed`` (the stored JSON, or None) with what ``workflow`` has completed added to it."""
    merged = {process: {"completed": set(entry.get("completed", ())),
                        "flows": {tuple(flow) for flow in entry.get("flows", ())}}
              for process, entry in (passed or {}).items()}
    for process, entry in walk(workflow).items():
        into = merged.setdefault(process, {"completed": set(), "flows": set()})
        into["completed"] |= entry["completed"]
        into["flows"] |= entry["flows"]  # taken, whether its target is finished or waiting
    return {process: {"completed": sorted(entry["completed"]), "flows": sorted(list(f) for f in entry["flows"])}
            for process, entry in merged.items()}
