"""Live state holds only what is live (DESIGN invariant 12): finished parts leave the state.

SpiffWorkflow keeps every finished subprocess and every completed task of a workflow in its
tree, so a case returned fifty times carried fifty visits and reviews in its state, and every
completion deserialized and re-serialized all of them. What happened is on the case timeline
(``case_event``: each completion with its decision and comment, each reminder, escalation and
incident); the engine needs only the parts that can still move.

``prune`` runs before each save, so an instance stored before it existed is trimmed the first
time it is saved again (upgrade on first load).
"""
import logging

from SpiffWorkflow.util.task import TaskState

from .walks import subtree

log = logging.getLogger(__name__)


# Done for good. A task in ERROR is not: a retry of the incident runs it again.
_DONE = TaskState.COMPLETED | TaskState.CANCELLED


def _finished(task):
    return task.has_state(_DONE)


def _drop_finished_subprocesses(workflow):
    """Forget subprocesses whose calling task finished (and those nested in them); how many."""
    dropped = 0
    for task_id in list(workflow.subprocesses):
        subprocess = workflow.subprocesses.get(task_id)
        if subprocess is None:
            continue  # went with its parent subprocess
        caller = subprocess.parent_workflow.tasks.get(task_id) if subprocess.parent_workflow else None
        if caller is not None and not _finished(caller):
            continue
        doomed = [subprocess]
        while doomed:
            gone = doomed.pop()
            for key, other in list(workflow.subprocesses.items()):
                if other is gone:
                    del workflow.subprocesses[key]
                    dropped += 1
                elif other.parent_workflow is gone:
                    doomed.append(other)
    return dropped


def lowest_common_ancestor(tasks):
    """The deepest task on the path from the top to each of ``tasks`` (one of them may be it),
    or None when they hang from different tops.

    Each path is walked up only until it meets one walked already (a step per task, not one per
    task and level), then down from the top while the paths go on as one.
    """
    below = {}  # a task on some path -> the tasks just below it on the paths
    top = None
    for task in tasks:
        if task in below:
            continue  # on the path to a task seen before
        below[task] = []
        while True:
            parent = task.parent
            if parent is None:
                if top is not None:
                    return None  # a second top: nothing in common
                top = task
                break
            if parent in below:
                below[parent].append(task)
                break
            below[parent] = [task]
            task = parent
    if top is None:
        return None  # the parents' links loop: nothing is cut
    ends = set(tasks)
    common = top
    while common not in ends and len(below[common]) == 1:
        common = below[common][0]
    return common


def _drop_finished_history(workflow):
    """Cut the finished path above the lowest task every live task descends from; how many went.

    Everything the workflow can still do lies below that task, so it becomes the root's only
    child and what was above it (earlier rounds of a loop, branches that ended) goes.
    """
    live = [task for task in workflow.tasks.values() if not _finished(task)]
    root = workflow.task_tree
    if not live or root is None:
        return 0
    keep_from = lowest_common_ancestor(live)
    if keep_from is None or keep_from is root or keep_from.parent is root:
        return 0
    if keep_from.parent is None or keep_from.id not in workflow.tasks:
        return 0
    # By the tasks' identity (an int's hash), not their ids (a UUID's, computed in Python).
    kept = {id(root)}
    kept.update(map(id, subtree(keep_from)))
    dropped = [task_id for task_id, task in workflow.tasks.items() if id(task) not in kept]
    for task_id in dropped:
        del workflow.tasks[task_id]
    keep_from._parent = root.id
    root._children = [keep_from.id]
    if workflow.last_task is not None and workflow.last_task.id not in workflow.tasks:
        workflow.last_task = None
    return len(dropped)


def prune(workflow):
    """Trim finished subprocesses and finished history from ``workflow`` in place.

    Never fails the caller: if trimming raises, the workflow is saved as it is (larger, but
    whole) and the reason is logged.
    """
    try:
        dropped = _drop_finished_subprocesses(workflow)
        dropped += _drop_finished_history(workflow)
        for subprocess in list(workflow.subprocesses.values()):
            dropped += _drop_finished_history(subprocess)
        return dropped
    except Exception:  # noqa: BLE001 - a smaller state is an optimisation, never a reason to fail
        log.exception("pruning the workflow state failed; saved unpruned")
        return 0
