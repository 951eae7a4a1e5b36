"""Starting processes, completing tasks and firing timers, with the inbox kept in step.

Every write goes through ``save_workflow``: the serialized state, the inbox rows and the timer due
time change together in the caller's transaction. The caller commits.
"""
import contextvars
import threading
from dataclasses import dataclass, field
from uuid import UUID

from flask import current_app, has_app_context
from sqlalchemy import and_, inspect, or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..infra import new_rows
from ..models import DiagramVersion, InboxTask, ProcessInstance
from ..models.base import utcnow
from . import clockwork, hooks, incidents, instance_write, operations, passed, projection, pruning, tree
from .diagrams import current_version_ref, spec_cache
from .errors import ScriptLimitExceeded
from .scripting import Limits, RestrictedScriptEngine
from .serialization import SERIALIZER_VERSION, dump_state, load_state


class TaskNotAvailable(Exception):
    """The task is no longer open (someone else finished it, or the case moved on)."""

    def __init__(self, message, completed_by=None):
        super().__init__(message)
        self.completed_by = completed_by


class EngineConflict(TaskNotAvailable):
    """Another writer changed the same process instance first."""


@dataclass
class RunContext:
    """What a service operation may know about the run that triggered it."""

    instance: ProcessInstance
    actor: object = None
    operations_run: list = field(default_factory=list)


class CaseHasIncident(TaskNotAvailable):
    """The case is stopped at an incident; its tasks wait until the incident is retried."""


_MAX_CATCH_UP_ROUNDS = 50
# Automatic steps (scripts, gateways, service tasks, events) one engine run may take before the
# case is stopped as a runaway loop; set by ENGINE_MAX_AUTOMATIC_STEPS. Each round of a loop
# deepens SpiffWorkflow's task tree, which it walks recursively: near 1,000 steps Python's
# recursion limit breaks the run half-way (the old "stops after 500 rounds"), so stay well below.
MAX_AUTOMATIC_STEPS = 200
_current_run = contextvars.ContextVar("current_run")
_script_engine = None
_script_engine_lock = threading.Lock()


def _service_handler(task, operation_name, params):
    ctx = _current_run.get()
    ctx.operations_run.append(operation_name)
    # The operation's writes are all or nothing: if it fails, the case becomes an incident with
    # the service task in error, and a retry runs it again from scratch. Flushing the instance
    # first makes sure a transaction is open before the SAVEPOINT (SQLite needs that).
    ctx.instance.updated_at = utcnow()
    db.session.flush()
    with db.session.begin_nested():
        return operations.dispatch(operation_name, ctx, params, task.data)


def _limits_from_config():
    if not has_app_context():
        return Limits()
    config = current_app.config
    fields = {"seconds": "SCRIPT_TIME_LIMIT_SECONDS", "steps": "SCRIPT_MAX_STEPS", "items": "SCRIPT_MAX_ITEMS",
              "allocated": "SCRIPT_MAX_ALLOCATED_ITEMS", "int_bits": "SCRIPT_MAX_INT_BITS"}
    return Limits(**{name: config[key] for name, key in fields.items() if config.get(key) is not None})


def script_engine():
    """The shared restricted script engine (built on first use, with the app clock installed)."""
    global _script_engine
    if _script_engine is None:
        with _script_engine_lock:  # threaded workers: one engine, built once
            if _script_engine is None:
                clockwork.install()
                _script_engine = RestrictedScriptEngine(service_handler=_service_handler,
                                                        limits=_limits_from_config())
    return _script_engine


def _max_automatic_steps():
    return current_app.config.get("ENGINE_MAX_AUTOMATIC_STEPS", MAX_AUTOMATIC_STEPS) if has_app_context() \
        else MAX_AUTOMATIC_STEPS


def _run(ctx, step, workflow=None):
    """Run ``step``; return None, or the Failure that stops the case (contention is re-raised)."""
    script_engine().environment.limits = _limits_from_config()  # a changed limit applies from the next run
    token = _current_run.set(ctx)
    try:
        step()
        return None
    except incidents.PASSTHROUGH:
        raise
    except Exception as err:  # noqa: BLE001 - any engine or diagram failure becomes an incident
        return incidents.describe_failure(err, workflow)
    finally:
        _current_run.reset(token)


def start_process(case, process_id, data=None, actor=None):
    """Start ``process_id`` for ``case``, run it to its first wait, persist it with its inbox."""
    # One flush at the caller's commit instead of one per query: starts are a hot path.
    with db.session.no_autoflush:
        version_id, content_hash = current_version_ref(process_id)
        spec, subprocess_specs = spec_cache.get_by_hash(content_hash,
                                                        lambda: db.session.get(DiagramVersion, version_id))
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        instance = ProcessInstance(case=case, diagram_version_id=version_id, serializer_version=SERIALIZER_VERSION,
                                   state="")
        db.session.add(instance)
        ctx = RunContext(instance=instance, actor=actor)
        failure = _run(ctx, lambda: _catch_up(workflow), workflow)
        created = save_workflow(instance, workflow, new_instance=True, failure=failure, step="start", actor=actor)
        # A new case that started cleanly is written now with prebuilt inserts instead of the
        # flush at commit: the same rows, a fraction of the CPU. A start that ran a service task
        # (it flushed) or stopped at an incident is left to the flush, as before.
        if inspect(case).pending and instance.status != "incident":
            new_rows.write([[case], case.events, [instance], created])
    return instance, created


def lock_instance(instance_id):
    """Load the instance for writing: a row lock on PostgreSQL, the version check everywhere."""
    # With its diagram version in the same statement (the specs are found by its content hash);
    # only the instance's row is locked, never the version many instances share.
    query = (select(ProcessInstance).options(db.joinedload(ProcessInstance.diagram_version))
             .where(ProcessInstance.id == instance_id))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ProcessInstance)
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def load_workflow(instance):
    spec, subprocess_specs = spec_cache.get(instance.diagram_version)
    return load_state(instance.state, spec, subprocess_specs, script_engine())


def _may_have_due_work(instance):
    """False when the saved instance is running with no timer due: catching up would do nothing."""
    return instance.status != "running" or (instance.next_timer_at is not None
                                            and instance.next_timer_at <= utcnow())


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
    failure = _run(ctx, lambda: _catch_up(workflow), workflow) if _may_have_due_work(instance) else None
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
            _catch_up(workflow)

        failure = _run(ctx, step, workflow) or failure
    try:
        # Nothing flushes before the instance is written: the inbox rows and the timeline
        # follow at the caller's commit, in its one flush.
        with db.session.no_autoflush:
            return save_workflow(instance, workflow, failure=failure, step="complete", actor=actor,
                                 completing=completing, open_rows=open_rows, direct=True)
    except (StaleDataError, OperationalError, _InstanceChanged) as err:
        _lost_race(row, err)


def _mark_completed(row, actor):
    try:
        marked = instance_write.mark_completed(row, actor)
    except OperationalError as err:  # SQLite: the other writer holds the database
        _lost_race(row, err)
    if not marked:
        _lost_race(row)


class _InstanceChanged(Exception):
    """The instance's version moved on since it was read: another writer saved it first."""


def _lost_race(row, err=None):
    """Roll back and raise EngineConflict naming who completed ``row``."""
    db.session.rollback()
    winner = db.session.get(InboxTask, row.id)
    raise EngineConflict("another user completed this task first",
                         completed_by=winner.completed_by if winner else None) from err


def fire_due_timers(instance_id, actor=None):
    """Refresh the timers of one instance, run what they trigger, save. Safe to run twice."""
    instance = lock_instance(instance_id)
    if instance.status != "running":
        return []
    workflow = load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)

    failure = _run(ctx, lambda: _catch_up(workflow), workflow)
    save_workflow(instance, workflow, failure=failure, step="timers", actor=actor)
    return ctx.operations_run


def retry_incident(instance_id, actor=None):
    """Re-run the engine step of an instance stopped at an incident; True when it went on.

    The tasks in error are made ready again and the engine runs them; if the case fails
    again, its incident stays open with the new error.
    """
    instance = lock_instance(instance_id)
    if instance.status != "incident":
        incidents.resolve(instance, actor)
        return True
    workflow = load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)

    def step():
        for task in workflow.get_tasks(state=TaskState.ERROR):
            task._set_state(TaskState.READY)
            if task.task_spec.manual:  # a person's task whose own script failed: finish it now
                task.run()
        _catch_up(workflow)

    failure = _run(ctx, step, workflow)
    created = save_workflow(instance, workflow, failure=failure, step="retry", actor=actor)
    if instance.status != "incident":
        incidents.resolve(instance, actor)
        hooks.emit(hooks.TASKS_ARRIVED, created, actor)
        return True
    return False


def _catch_up(workflow):
    """Fire due timers and run every automatic step until only people or time can move it.

    A diagram looping through automatic steps only would never stop; after MAX_AUTOMATIC_STEPS
    the case stops at an incident instead (a retry goes on from there).
    """
    steps, limit = [0], _max_automatic_steps()

    def count(task):
        steps[0] += 1
        if steps[0] > limit:
            err = ScriptLimitExceeded("loop", limit=limit)
            err.task = task  # names the element where the loop was stopped
            raise err

    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=count)
    for _ in range(_MAX_CATCH_UP_ROUNDS):
        if not workflow.get_tasks(state=TaskState.READY, manual=False):
            return
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=count)
    raise ScriptLimitExceeded("loop", limit=limit)


def _dump_or_failure(workflow, failure):
    try:
        return dump_state(workflow), failure
    except Exception as err:  # noqa: BLE001 - unsaveable data must not 500; the state stays as it was
        return None, failure or incidents.describe_failure(err, workflow)


def save_workflow(instance, workflow, new_instance=False, failure=None, step="", actor=None, completing=None,
                  open_rows=None, direct=False):
    """Write state, status, timer due time and the inbox rows; return the new rows.

    ``open_rows``: the instance's open inbox rows when the caller read them under its lock.
    ``direct``: write the instance row now with its version check (``instance_write``; raises
    _InstanceChanged when another writer saved it first) instead of at the next flush;
    ``completing``: the inbox row a completion marked, reopened if the step cannot be saved.

    A failed step is saved as far as it got (the failing task in error) with the instance in
    the ``incident`` state, so a retry goes on from there; a case that is neither finished nor
    waiting for anyone or anything is an incident too.
    """
    columns = {}
    # One walk of the tree for the path, the inbox and the timers (before pruning, which drops the
    # finished parts the path needs; it never drops a live task, but the lists are checked).
    found = tree.survey(workflow)
    # Finished parts leave the state; the timeline keeps what happened, ``passed`` the path taken.
    remembered = passed.remember(instance.passed, workflow, found.path)
    if remembered != instance.passed:
        columns["passed"] = remembered
    pruning.prune(workflow)
    waiting = [task for task in found.waiting if tree.still_live(workflow, task)]
    ready = projection.ready_human_tasks(workflow, [task for task in found.ready if tree.still_live(workflow, task)])
    timers = projection.waiting_timers(workflow, waiting)
    if failure is None and not workflow.completed and not ready and not waiting:
        failure = incidents.stuck_failure()
    state, failure = _dump_or_failure(workflow, failure)
    columns["serializer_version"] = SERIALIZER_VERSION
    columns["status"] = "incident" if failure else "completed" if workflow.completed else "running"
    columns["updated_at"] = utcnow()
    if state is None:
        # Nothing of this step can be saved: the last saved state, its inbox rows and its timer
        # stay as they were (a new instance keeps a fresh start of its process).
        columns["state"] = instance.state or _fresh_state(instance)
        if completing is not None and completing.state == "completed":
            instance_write.reopen(completing)
    else:
        columns["state"] = state
        columns["next_timer_at"] = min((due for _, due in timers), default=None)
    # Every column of the instance is set before the inbox rows are written (whose queries
    # flush): one UPDATE (and one version step) per save.
    if direct:
        if not instance_write.write_instance(instance, columns):
            raise _InstanceChanged()
    else:
        for name, value in columns.items():
            setattr(instance, name, value)
    created = _sync_inbox(instance, ready, new_instance, open_rows) if state is not None else []
    if failure is not None:
        incidents.record(instance, step, failure, actor)
    return created


def _fresh_state(instance):
    # By id: a new instance names its version by id only (a start does not load the row).
    spec, subprocess_specs = spec_cache.get(db.session.get(DiagramVersion, instance.diagram_version_id))
    return dump_state(BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine()))


def _sync_inbox(instance, ready, new_instance, open_rows=None):
    if new_instance:
        open_rows = []
    elif open_rows is None:
        open_rows = InboxTask.query.filter_by(instance_id=instance.id, state="ready").all()
    else:  # read under the lock; the row just completed is no longer open, as the query would say
        open_rows = [row for row in open_rows if row.state == "ready"]
    ready_ids = {item["uuid"] for item in ready}
    for row in open_rows:
        if row.task_uuid not in ready_ids:
            if row.overdue:
                hooks.emit(hooks.OVERDUE_CLEARED, row)  # the overdue counter (design invariant 16)
            row.state = "cancelled"
    known = {row.task_uuid for row in open_rows}
    case = instance.case
    created = []
    for item in ready:
        if item["uuid"] in known:
            continue
        version_id = instance.diagram_version_id or instance.diagram_version.id
        row = InboxTask(case=case, instance=instance, diagram_version_id=version_id,
                        task_uuid=item["uuid"], task_name=item["task_name"],
                        title=item["title"], process_id=item["process_id"], lane=item["lane"] or "",
                        county_code=case.county_code, township_code=case.township_code,
                        village_code=case.village_code, due_at=item["due_at"],
                        reminder_at=item["reminder_at"], state="ready")
        operations.assign(row, case, first_time=new_instance)
        db.session.add(row)
        created.append(row)
    current_step = ", ".join(item["title"] for item in ready) if ready else None
    if case.current_step != current_step:  # unchanged: the case stays out of the flush
        case.current_step = current_step
    return created
