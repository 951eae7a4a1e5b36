"""The engine's task class: SpiffWorkflow's Task, its log details built only for a record kept.

SpiffWorkflow logs every task state change on the ``spiff.task`` logger (INFO for a change, DEBUG
for a state set again) and builds the record's details first: a dict of nine values, the state's
name twice and two clock readings, about 18 times per visit completion, whether or not a handler
keeps the record (by default none does: the root logger keeps WARNING and above). Here they are
built only when the logger is enabled for that level, by SpiffWorkflow's own method, so a
deployment that turns the logger on gets the same records.

Tasks become this class as the engine's workflows make them (``walks.Workflow`` and its
subprocesses, each task's children, ``serialization`` reading a state). The few state changes
SpiffWorkflow makes before a task is of this class (a new workflow's first task made ready, a
child added READY) log as before. The class adds no attribute, so a task's layout and stored
state are SpiffWorkflow's (``serialization`` writes and reads both classes alike).
"""
import logging
import time

from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.task import logger as _logger  # SpiffWorkflow's 'spiff.task' logger
from SpiffWorkflow.util.task import TaskState

_INFO, _DEBUG = logging.INFO, logging.DEBUG


class Task(SpiffTask):
    """A task whose state changes build their log details only when the record would be kept."""

    def _set_state(self, value):
        """SpiffWorkflow's ``_set_state``: the same state and clock, the log record when kept."""
        if _logger.isEnabledFor(_INFO if value != self._state else _DEBUG):
            super()._set_state(value)
        elif value != self._state:
            self.last_state_change = time.time()
            self._state = value

    def _add_child(self, task_spec, state=TaskState.MAYBE):
        """SpiffWorkflow's ``_add_child``, the child of this class."""
        child = super()._add_child(task_spec, state)
        child.__class__ = Task
        return child


def adopt(workflow):
    """Make every task of ``workflow`` (SpiffWorkflow made them as its Task) of the engine's class."""
    for task in workflow.tasks.values():
        if task.__class__ is SpiffTask:
            task.__class__ = Task
