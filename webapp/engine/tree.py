"""One walk over a live workflow's task tree, for everything a save reads from it.

A save used to walk the whole tree (subprocesses included) four times after each run: the path
the case passed (``passed``), the ready human tasks and the waiting timers (``projection``) and
once more to see whether anything waits at all. ``survey`` visits each task once, in the order
SpiffWorkflow's ``get_tasks`` visits them (depth first, a call activity's subprocess before the
call's own children), so the lists it returns are the ones those filtered walks returned.
"""
from dataclasses import dataclass, field

from SpiffWorkflow.util.task import TaskState

from .walks import callers

_COMPLETED, _READY, _STARTED, _WAITING = TaskState.COMPLETED, TaskState.READY, TaskState.STARTED, TaskState.WAITING


def bpmn_id(task):
    """The BPMN element id of an engine task (None for the engine's own bookkeeping tasks)."""
    return getattr(task.task_spec, "bpmn_id", None)


@dataclass
class Survey:
    """What one walk found: the path per process, ready human tasks, waiting tasks (tree order)."""

    path: dict = field(default_factory=dict)
    ready: list = field(default_factory=list)
    waiting: list = field(default_factory=list)


def _record_path(path, task, element):
    """Add a completed or ready/started ``task`` (BPMN ``element``) and the flow into it to ``path``."""
    state = task._state
    entry = path.get(task.workflow.spec.name)
    if entry is None:
        entry = path[task.workflow.spec.name] = {"completed": set(), "waiting": set(), "flows": set()}
    if state == _COMPLETED:
        entry["completed"].add(element)
    else:  # not WAITING: armed deadline timers are no place the case is at
        entry["waiting"].add(element)
    parent = task.parent
    # Boundary events wrap their task in a hidden parent without a BPMN id: skip it.
    while parent is not None and not bpmn_id(parent) and parent.workflow is task.workflow:
        parent = parent.parent
    if parent is not None and bpmn_id(parent) and parent.workflow is task.workflow:
        entry["flows"].add((bpmn_id(parent), element))


def survey(workflow):
    """Walk ``workflow`` (a top workflow) once: its path, ready human tasks and waiting tasks."""
    found = Survey()
    calls = callers(workflow.subprocesses)  # by the calling task's identity: no UUID hashed per task
    stack = [workflow.task_tree] if workflow.task_tree is not None else []
    while stack:
        task = stack.pop()
        state = task._state
        if state == _READY:
            if task.task_spec.manual:
                found.ready.append(task)
        elif state == _WAITING:
            found.waiting.append(task)
        if state == _COMPLETED or state == _READY or state == _STARTED:
            element = bpmn_id(task)
            if element is not None:  # not the engine's own start/end bookkeeping tasks
                _record_path(found.path, task, element)
        tasks = task.workflow.tasks
        for child_id in reversed(task._children):
            child = tasks.get(child_id)
            if child is not None:
                stack.append(child)
        called = calls.get(id(task))
        subprocess = called[1] if called is not None else None
        if subprocess is not None and subprocess.task_tree is not None:
            stack.append(subprocess.task_tree)  # popped first: visited before the call's children
    return found


def still_live(workflow, task):
    """True while ``task`` is part of ``workflow`` (pruning has not dropped it or its subprocess)."""
    owner = task.workflow
    if owner is not workflow and workflow.subprocesses.get(owner.parent_task_id) is not owner:
        return False
    return owner.tasks.get(task.id) is task
