"""The engine's workflow classes: SpiffWorkflow's, with its two hot task walks made plain.

A visit completion walks the whole task tree about ten times inside SpiffWorkflow: each round of
``do_engine_steps`` lists the READY tasks of every active workflow (``get_tasks``), and each task
that completes makes its workflow look at its WAITING tasks (``update_waiting_tasks``). Its
iterator keeps a depth count for its ``max_depth`` (1,000) by walking up from every leaf through
``Task.parent`` (a dict lookup hashing a UUID in Python each step) and re-lists the pending tasks
at each step: about a quarter of the engine's CPU in a completion. The walks here visit the same
tasks in the same order (depth first; a call activity's subprocess before the call's children,
where SpiffWorkflow's BPMN iterator goes into it) with a stack, and read each task's children
when it is reached, as SpiffWorkflow's iterator does, so the tasks an ``update_waiting_tasks``
changes as it goes are seen as they are then.

The depth count is left out: it rises by at most one per task visited, so it cannot reach the
limit in a workflow of fewer than MAX_TASKS tasks (a pruned live state holds a few dozen); a
larger one, or a query with other filters, is left to SpiffWorkflow's iterator.

Stored states name the classes as SpiffWorkflow does (``serialization``): a state reads back into
these classes, and SpiffWorkflow's own loader reads it as before.
"""
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.util.task import TaskState

from . import tasks as engine_tasks

# Half the iterator's max_depth: room for the tasks an update adds while a walk goes on.
MAX_TASKS = 500
_ANY, _WAITING = TaskState.ANY_MASK, TaskState.WAITING
_FINISHED = TaskState.FINISHED_MASK


def _lowest_descended(state):
    """The lowest state whose children SpiffWorkflow's iterator visits, for a query of ``state``."""
    if state & TaskState.PREDICTED_MASK:
        return TaskState.MAYBE
    if state & TaskState.DEFINITE_MASK:
        return TaskState.FUTURE
    return TaskState.COMPLETED


def walk(root, state, manual=None, subprocesses=None, spec_name=None):
    """The tasks under ``root`` in ``state`` (and ``manual`` and ``spec_name``, unless None), in the
    iterator's order.

    ``subprocesses``: the top workflow's subprocesses by calling task, to go into them as the
    BPMN iterator does (None: the plain iterator, which stays in the root's workflow).
    """
    lowest = _lowest_descended(state)
    # SpiffWorkflow's test for a finished call whose subprocess it need not enter, as it is
    # written there (no single state is >= the mask, so in effect it always goes in).
    skip_finished_calls = state <= _FINISHED
    calls, known = {}, 0  # the calling tasks, by identity, as of ``known`` subprocesses
    stack = [root]
    while stack:
        task = stack.pop()
        now = task._state
        if subprocesses and len(subprocesses) != known:  # one started while this walk went on
            calls, known = callers(subprocesses), len(subprocesses)
        called = calls.get(id(task))
        if called is not None:
            called = called[1]
        if called is not None or (task._children and now >= lowest):
            # map over the dict's own get: no generator frame resumed per child
            stack.extend(map(task.workflow.tasks.get, reversed(task._children)))
            if called is not None and not (now >= _FINISHED and skip_finished_calls):
                stack.append(called.task_tree)  # popped first: before the call's own children
        if now & state and (manual is None or task.task_spec.manual == manual) and \
                (spec_name is None or task.task_spec.name == spec_name):
            yield task


def callers(subprocesses):
    """{id(calling task): (the task, its subprocess)} of a top workflow's ``subprocesses``.

    Looking a task up by identity (an int's hash) is what ``subprocesses.get(task.id)`` tells for
    each task a walk visits, without hashing its UUID (a Python ``__hash__``): a few lookups per
    subprocess instead of one per task. A subprocess whose caller is in no workflow is never
    entered by either. The task is held, so its id names no other object while this is used.
    """
    if not subprocesses:
        return {}
    top = next(iter(subprocesses.values())).top_workflow
    found = {}
    for task_id, called in subprocesses.items():
        caller = top.tasks.get(task_id)
        if caller is None:
            caller = next((each.tasks[task_id] for each in subprocesses.values() if task_id in each.tasks), None)
        if caller is not None:
            found[id(caller)] = (caller, called)
    return found


def subtree(task):
    """``task`` and every task below it in its workflow, in the order iterating the task gives.

    Without the iterator's depth limit of 1,000 levels, below which it would leave tasks out.
    """
    return walk(task, _ANY)


_WALKED_FILTERS = frozenset({"state", "manual", "spec_name"})


class _PlainWalks:
    """``get_tasks`` by state, ``manual`` and spec name and ``update_waiting_tasks`` without the iterator."""

    def get_tasks(self, first_task=None, **kwargs):
        """SpiffWorkflow's ``get_tasks``: the same list, by the plain walk when asked only a state,
        ``manual`` or a spec name, from the root or from ``first_task`` (a catching event's run
        looks for its own spec below itself: a start's two start events, a timer's each firing)."""
        top = self.top_workflow
        if not kwargs.keys() <= _WALKED_FILTERS or _larger_than_walked(top):
            return super().get_tasks(first_task, **kwargs)
        return list(walk(self.task_tree if first_task is None else first_task, kwargs.get("state", _ANY),
                         kwargs.get("manual"), top.subprocesses, kwargs.get("spec_name")))

    def update_waiting_tasks(self):
        """SpiffWorkflow's ``update_waiting_tasks``: each WAITING task of this workflow updated."""
        if len(self.tasks) >= MAX_TASKS:
            super().update_waiting_tasks()
            return
        for task in walk(self.task_tree, _WAITING):
            task.task_spec._update(task)


def _larger_than_walked(top):
    total = len(top.tasks)
    for subprocess in top.subprocesses.values():
        total += len(subprocess.tasks)
    return total >= MAX_TASKS


class Workflow(_PlainWalks, BpmnWorkflow):
    """A BPMN workflow whose subprocesses are SubWorkflows, its tasks of the engine's class."""

    def __init__(self, spec, subprocess_specs=None, script_engine=None, **kwargs):
        super().__init__(spec, subprocess_specs, script_engine=script_engine, **kwargs)
        engine_tasks.adopt(self)  # the tasks SpiffWorkflow's __init__ made (none when deserializing)

    def create_subprocess(self, my_task, spec_name):
        """BpmnWorkflow's ``create_subprocess``, of this module's class."""
        subprocess = SubWorkflow(self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self)
        engine_tasks.adopt(subprocess)
        self.subprocesses[my_task.id] = subprocess
        return subprocess


class SubWorkflow(_PlainWalks, BpmnSubWorkflow):
    """A subprocess (call activity) of a Workflow."""
