"""Starting processes, completing tasks and firing timers, with the inbox kept in step.

Every write goes through ``_save``: the serialized state, the inbox rows and the timer due
time change together in the caller's transaction. The caller commits.
"""
import contextvars
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..models import InboxTask, ProcessInstance
from ..models.base import utcnow
from . import clockwork, operations, projection
from .diagrams import current_version, spec_cache
from .scripting import RestrictedScriptEngine
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


_MAX_CATCH_UP_ROUNDS = 50
_current_run = contextvars.ContextVar("current_run")
_script_engine = None


def _service_handler(task, operation_name, params):
    ctx = _current_run.get()
    ctx.operations_run.append(operation_name)
    return operations.dispatch(operation_name, ctx, params, task.data)


def script_engine():
    """The shared restricted script engine (built on first use, with the app clock installed)."""
    global _script_engine
    if _script_engine is None:
        clockwork.install()
        _script_engine = RestrictedScriptEngine(service_handler=_service_handler)
    return _script_engine


def _run(ctx, step):
    token = _current_run.set(ctx)
    try:
        step()
    finally:
        _current_run.reset(token)


def start_process(case, process_id, data=None, actor=None):
    """Start ``process_id`` for ``case``, run it to its first wait, persist it with its inbox."""
    # One flush at the caller's commit instead of one per query: starts are a hot path.
    with db.session.no_autoflush:
        version = current_version(process_id)
        spec, subprocess_specs = spec_cache.get(version)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine())
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        instance = ProcessInstance(case=case, diagram_version=version, serializer_version=SERIALIZER_VERSION,
                                   state="")
        db.session.add(instance)
        ctx = RunContext(instance=instance, actor=actor)
        _run(ctx, lambda: _catch_up(workflow))
        created = _save(instance, workflow, new_instance=True)
    return instance, created


def _lock_instance(instance_id):
    """Load the instance for writing: a row lock on PostgreSQL, the version check everywhere."""
    query = select(ProcessInstance).where(ProcessInstance.id == instance_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def _load(instance):
    spec, subprocess_specs = spec_cache.get(instance.diagram_version)
    return load_state(instance.state, spec, subprocess_specs, script_engine())


def _fresh_task_row(row_id):
    return db.session.execute(select(InboxTask).where(InboxTask.id == row_id)
                              .execution_options(populate_existing=True)).scalar_one()


def complete_task(row, actor, data):
    """Complete the ready task behind inbox ``row`` with ``data``; return the new inbox rows.

    Raises TaskNotAvailable when it was already done (``completed_by`` says by whom) and
    EngineConflict when another writer won the race on the same instance.
    """
    instance = _lock_instance(row.instance_id)
    row = _fresh_task_row(row.id)
    if row.state != "ready":
        raise TaskNotAvailable("task already finished", completed_by=row.completed_by)
    workflow = _load(instance)
    ctx = RunContext(instance=instance, actor=actor)
    # Timer paths that fell due must run before the task: finishing after it, they would
    # merge their older copy of the data over the task's result.
    _run(ctx, lambda: _catch_up(workflow))
    task = workflow.get_task_from_id(UUID(row.task_uuid))
    if task is None or task.state != TaskState.READY:
        raise TaskNotAvailable("task is not ready in the workflow")
    task.data.update(data)
    row.state, row.completed_at, row.completed_by_id = "completed", utcnow(), actor.id

    def step():
        task.run()
        _catch_up(workflow)

    try:
        _run(ctx, step)
        created = _save(instance, workflow)
        db.session.flush()
    except (StaleDataError, OperationalError) as err:
        db.session.rollback()
        winner = db.session.get(InboxTask, row.id)
        raise EngineConflict("another user completed this task first",
                             completed_by=winner.completed_by if winner else None) from err
    return created


def fire_due_timers(instance_id, actor=None):
    """Refresh the timers of one instance, run what they trigger, save. Safe to run twice."""
    instance = _lock_instance(instance_id)
    if instance.status != "running":
        return []
    workflow = _load(instance)
    ctx = RunContext(instance=instance, actor=actor)

    _run(ctx, lambda: _catch_up(workflow))
    _save(instance, workflow)
    return ctx.operations_run


def _catch_up(workflow):
    """Fire due timers and run every automatic step until only people or time can move it."""
    workflow.refresh_timers()
    workflow.do_engine_steps()
    for _ in range(_MAX_CATCH_UP_ROUNDS):
        if not workflow.get_tasks(state=TaskState.READY, manual=False):
            return
        workflow.refresh_timers()
        workflow.do_engine_steps()
    raise RuntimeError("workflow keeps producing automatic tasks; is there a loop without a wait?")


def _save(instance, workflow, new_instance=False):
    """Write state, status, timer due time and the inbox rows; return the new rows."""
    instance.state = dump_state(workflow)
    instance.serializer_version = SERIALIZER_VERSION
    instance.status = "completed" if workflow.completed else "running"
    instance.updated_at = utcnow()
    timers = projection.waiting_timers(workflow)
    instance.next_timer_at = min((due for _, due in timers), default=None)
    return _sync_inbox(instance, projection.ready_human_tasks(workflow), new_instance)


def _sync_inbox(instance, ready, new_instance):
    from ..services.assignment import assign_new_task

    open_rows = [] if new_instance else InboxTask.query.filter_by(instance_id=instance.id, state="ready").all()
    ready_ids = {item["uuid"] for item in ready}
    for row in open_rows:
        if row.task_uuid not in ready_ids:
            row.state = "cancelled"
    known = {row.task_uuid for row in open_rows}
    case = instance.case
    created = []
    for item in ready:
        if item["uuid"] in known:
            continue
        row = InboxTask(case=case, instance=instance, diagram_version_id=instance.diagram_version.id,
                        task_uuid=item["uuid"], task_name=item["task_name"],
                        title=item["title"], process_id=item["process_id"], lane=item["lane"] or "",
                        county_code=case.county_code, township_code=case.township_code,
                        village_code=case.village_code, due_at=item["due_at"],
                        reminder_at=item["reminder_at"], state="ready")
        assign_new_task(row, case, first_time=new_instance)
        db.session.add(row)
        created.append(row)
    case.current_step = ", ".join(item["title"] for item in ready) if ready else None
    return created
