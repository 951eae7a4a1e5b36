"""Completing a person's task: under the instance's lock, at most once, with the next inbox rows."""
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..models import InboxTask
from . import instance_write
from .runtime import (CaseHasIncident, EngineConflict, RunContext, TaskNotAvailable, catch_up, load_workflow,
                      lock_instance, may_have_due_work, run_step)
from .saving import InstanceChanged, save_workflow


def _fresh_task_rows(row):
    """The task's row and the instance's open rows, fresh, read after the instance's lock.

    One statement: the inbox sync reuses the open rows instead of querying them again (a query
    that also flushed the session once more per completion).
    """
    rows = db.session.execute(
        select(InboxTask).where(or_(InboxTask.id == row.id,
                                    and_(InboxTask.instance_id == row.instance_id, InboxTask.state == "ready")))
        .execution_options(populate_existing=True)).scalars().all()
    return next(fresh for fresh in rows if fresh.id == row.id), [fresh for fresh in rows if fresh.state == "ready"]


def complete_task(row, actor, data):
    """Complete the ready task behind inbox ``row`` with ``data``; return the new inbox rows.

    Raises TaskNotAvailable when it was already done (``completed_by`` says by whom) and
    EngineConflict when another writer won the race on the same instance.
    """
    instance = lock_instance(row.instance_id)
    row, open_rows = _fresh_task_rows(row)
    if row.state != "ready":
        raise TaskNotAvailable("task already finished", completed_by=row.completed_by)
    if instance.status == "incident":
        raise CaseHasIncident("the case is stopped at an incident")
    workflow = load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)
    # Timer paths that fell due must run before the task: finishing after it, they would
    # merge their older copy of the data over the task's result. A running instance was saved
    # caught up, so with no timer due (``next_timer_at``: its earliest) there is nothing to run.
    failure = run_step(ctx, lambda: catch_up(workflow), workflow) if may_have_due_work(instance) else None
    task = workflow.get_task_from_id(UUID(row.task_uuid))
    if failure is None and (task is None or task.state != TaskState.READY):
        raise TaskNotAvailable("task is not ready in the workflow")
    completing = None
    if task is not None and task.state == TaskState.READY:
        # Even when a timer path failed just before, the person's work is kept. The row is
        # marked before the run, as the run's operations (and a lost race) must see it.
        task.data.update(data)
        _mark_completed(row, actor)
        completing = row

        def step():
            task.run()
            catch_up(workflow)

        failure = run_step(ctx, step, workflow) or failure
    try:
        # Nothing flushes before the instance is written: the inbox rows and the timeline
        # follow at the caller's commit, in its one flush.
        with db.session.no_autoflush:
            return save_workflow(instance, workflow, failure=failure, step="complete", actor=actor,
                                 completing=completing, open_rows=open_rows, direct=True)
    except (StaleDataError, OperationalError, InstanceChanged) as err:
        _lost_race(row, err)


def _mark_completed(row, actor):
    try:
        marked = instance_write.mark_completed(row, actor)
    except OperationalError as err:  # SQLite: the other writer holds the database
        _lost_race(row, err)
    if not marked:
        _lost_race(row)


def _lost_race(row, err=None):
    """Roll back and raise EngineConflict naming who completed ``row``."""
    db.session.rollback()
    winner = db.session.get(InboxTask, row.id)
    raise EngineConflict("another user completed this task first",
                         completed_by=winner.completed_by if winner else None) from err
