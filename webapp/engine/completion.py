"""Completing a person's task: under the instance's lock, at most once, with the next inbox rows."""
from uuid import UUID

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..models import Case, InboxTask, ProcessInstance
from . import instance_write, kept
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


def _locked_with_rows_statements():
    seen = aliased(ProcessInstance)
    query = (select(ProcessInstance, InboxTask,
                    select(seen.version).where(seen.id == bindparam("instance_id")).scalar_subquery())
             .join(InboxTask, InboxTask.instance_id == ProcessInstance.id)
             .where(ProcessInstance.id == bindparam("instance_id"),
                    or_(InboxTask.id == bindparam("row_id"), InboxTask.state == "ready"))
             .execution_options(populate_existing=True))
    return query, query.with_for_update(of=ProcessInstance)  # built once; the second for PostgreSQL


_LOCKED_WITH_ROWS = _locked_with_rows_statements()


def _task_locked_statement():
    # ``_LOCKED_WITH_ROWS`` by the task's id, with the task's case: the instance is the task's.
    # The case is a column of its own, handed to the task's row by ``task_locked``: the same
    # rows and objects as a ``contains_eager`` of ``InboxTask.case``, without the eager loader's
    # work on each execution (0.14 M instructions of a visit completion, callgrind).
    seen, task = aliased(ProcessInstance), aliased(InboxTask)
    instance_of_task = select(task.instance_id).where(task.id == bindparam("row_id")).scalar_subquery()
    return (select(ProcessInstance, InboxTask,
                   select(seen.version).where(seen.id == instance_of_task).scalar_subquery(), Case)
            .join(InboxTask, InboxTask.instance_id == ProcessInstance.id)
            .join(Case, Case.id == InboxTask.case_id)
            .where(ProcessInstance.id == instance_of_task,
                   or_(InboxTask.id == bindparam("row_id"), InboxTask.state == "ready"))
            .execution_options(populate_existing=True).with_for_update(of=ProcessInstance))


_TASK_LOCKED = _task_locked_statement()
# A session holding no object yet (a request's first ORM read) has none to refresh: the same read
# without ``populate_existing``'s work on each row.
_TASK_LOCKED_IN_EMPTY = _TASK_LOCKED.execution_options(populate_existing=False)
_HELD = "completion.locked"  # session.info: what ``task_locked`` read, for the completion to reuse


def task_locked(task_id):
    """PostgreSQL: inbox task ``task_id`` with its case, its instance locked (``FOR UPDATE``) and
    read with its open rows in the same statement, for a request that completes it; None
    elsewhere, or when there is no such task with an instance (the caller reads it as before).

    ``complete_task`` of this row in this transaction then reuses the locked rows instead of
    reading them again (``_locked_with_rows``): one statement fewer per completion. Nothing is
    written and nothing shown by this read, so the caller checks the task's scope after it (a
    task out of scope only held the lock until the request's rollback). A statement that waited
    for another writer's lock reads the rows again, as ``_locked_with_rows`` does, so the task's
    row says who finished it.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return None
    found = session.execute(_TASK_LOCKED if len(session.identity_map) else _TASK_LOCKED_IN_EMPTY,
                            {"row_id": task_id}).all()
    rows = _locked_rows(found, task_id)
    if rows is None:
        return None
    task = rows[1]
    # The case read with it, as its ``case`` (after a read again, which resets the relationship).
    set_committed_value(task, "case", next(each[3] for each in found if each[1] is task))
    session.info[_HELD] = (session.get_transaction(), *rows)
    return task


def _locked_rows(found, row_id):
    """(instance, the task's row, the open rows) from a statement of ``_LOCKED_WITH_ROWS``'s
    columns (and more after them), read again when another writer saved the instance meanwhile (see
    ``_locked_with_rows``); None when task ``row_id`` is not among them."""
    mine = next((each[1] for each in found if each[1].id == row_id), None)
    if mine is None:
        return None
    if found[0][2] != found[0][0].version:  # another writer saved meanwhile: read again, lock held
        return (lock_instance(mine.instance_id), *_fresh_task_rows(mine))
    return found[0][0], mine, [each[1] for each in found if each[1].state == "ready"]


def _held_for(row):
    """What ``task_locked`` read for ``row`` in this transaction, once; else None."""
    session = db.session()
    held = session.info.pop(_HELD, None)
    if held is None or held[0] is not session.get_transaction() or held[2] is not row:
        return None
    return held[1:]


def _locked_with_rows(row):
    """The instance locked, the task's row and the instance's open rows.

    One statement instead of ``lock_instance`` then ``_fresh_task_rows``. On PostgreSQL a
    statement that waited for the instance's row lock gets the instance as the other writer
    committed it, but the inbox rows as they were before (only the locked row is read again):
    the instance's version as the statement first saw it comes along (a subquery, not read
    again), and when it moved the two reads are made again as before. So a lost race is told as
    before: the task's fresh row says who finished it.
    """
    held = _held_for(row)
    if held is not None:  # read with the task, the lock held since (``task_locked``)
        return held
    query = _LOCKED_WITH_ROWS[db.session.get_bind().dialect.name == "postgresql"]
    found = db.session.execute(query, {"instance_id": row.instance_id, "row_id": row.id}).all()
    rows = _locked_rows(found, row.id)
    if rows is None:  # gone: the fresh reads tell
        return (lock_instance(row.instance_id), *_fresh_task_rows(row))
    return rows


def complete_task(row, actor, data, later=None):
    """Complete the ready task behind inbox ``row`` with ``data``; return the new inbox rows.

    Raises TaskNotAvailable when it was already done (``completed_by`` says by whom) and
    EngineConflict when another writer won the race on the same instance.

    ``later``: a list for the instance's UPDATE on PostgreSQL, where this holds the instance's row
    lock from its first read: a step saved whole appends it there (``save_workflow``), with the
    completed row's UPDATE (``instance_write.mark_along``), and the caller must run it in this
    transaction, as ``new_rows.write``'s ``along`` (one statement with the new rows) or by
    ``new_rows.run_along``, and answer ``new_rows.AlongMissed`` (its version check failed) with
    ``lost_race``. Elsewhere, or after a failure, the UPDATE runs here as before, its version
    check telling a lost race.
    """
    instance, row, open_rows = _locked_with_rows(row)
    if "instance" not in row.__dict__:  # the row's instance is the one locked: no load when it is asked
        set_committed_value(row, "instance", instance)
    if row.state != "ready":
        raise TaskNotAvailable("task already finished", completed_by=row.completed_by)
    if instance.status == "incident":
        raise CaseHasIncident("the case is stopped at an incident")
    # The workflow this process saved as this version, if it still has it; else the stored state.
    workflow = kept.take(instance.id, instance.version) or load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)
    # Timer paths that fell due must run before the task: finishing after it, they would
    # merge their older copy of the data over the task's result. A running instance was saved
    # caught up, so with no timer due (``next_timer_at``: its earliest) there is nothing to run.
    failure = run_step(ctx, lambda: catch_up(workflow), workflow) if may_have_due_work(instance) else None
    task = workflow.get_task_from_id(UUID(row.task_uuid))
    if failure is None and (task is None or task.state != TaskState.READY):
        raise TaskNotAvailable("task is not ready in the workflow")
    completing = None
    locked = later is not None and db.session.get_bind().dialect.name == "postgresql"
    if task is not None and task.state == TaskState.READY:
        # Even when a timer path failed just before, the person's work is kept. The row is
        # marked before the run, as the run's operations (and a lost race) must see it; under
        # the lock its UPDATE is deferred to go with the instance's, written before any read.
        task.data.update(data)
        _mark_completed(row, actor, locked)
        completing = row

        def step():
            task.run()
            catch_up(workflow)

        try:
            failure = run_step(ctx, step, workflow) or failure
        except instance_write.MarkMissed as err:  # written before a service operation: a lost race
            lost_race(row, err)
    try:
        # Nothing flushes before the instance is written: the inbox rows and the timeline
        # follow at the caller's commit, in its one flush.
        with db.session.no_autoflush:
            created = save_workflow(instance, workflow, failure=failure, step="complete", actor=actor,
                                    completing=completing, open_rows=open_rows, direct=True,
                                    later=later if locked else None)
            if locked:
                instance_write.mark_along(later)
    except (StaleDataError, OperationalError, InstanceChanged) as err:
        lost_race(row, err)
    if instance.status == "running":  # as saved: the next completion may start from it
        kept.keep_after_commit(db.session(), instance.id, instance.version, workflow, len(instance.state))
    return created


def _mark_completed(row, actor, defer):
    try:
        marked = instance_write.mark_completed(row, actor, defer)
    except OperationalError as err:  # SQLite: the other writer holds the database
        lost_race(row, err)
    if not marked:
        lost_race(row)


def lost_race(row, err=None):
    """Roll back and raise EngineConflict naming who completed ``row`` (also for the caller whose
    ``later`` write of ``complete_task`` found the instance saved by another writer first)."""
    db.session.rollback()
    winner = db.session.get(InboxTask, row.id)
    raise EngineConflict("another user completed this task first",
                         completed_by=winner.completed_by if winner else None) from err
