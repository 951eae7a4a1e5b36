"""Running the engine: the script engine, one guarded run, catching up, loading a saved instance.

The writes that use it have their own modules: ``start`` (a new case's process), ``completion``
(a person's task), ``resume`` (due timers, an incident's retry), all saving through ``saving``.
"""
import contextvars
import logging
import threading
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import select
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..models import ProcessInstance
from ..models.base import utcnow
from . import clockwork, incidents, instance_write, operations
from .diagrams import spec_cache, specs_of_version
from .errors import ScriptLimitExceeded
from .scripting import Limits, RestrictedScriptEngine
from .serialization import load_state


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
_READY = TaskState.READY
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
    instance_write.settle()  # a deferred mark of the completed row: before, not inside, the savepoint
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


def _pin_spiff_log_level():
    # SpiffWorkflow lists every task id of each workflow and subprocess it creates in its log
    # record's extras whenever the ``spiff.workflow`` logger has no level of its own (it tests
    # ``logger.level < INFO``), though the record is usually dropped: ~3% of a case start. Its
    # level is set to the one in effect now (at least INFO), so the same records are emitted,
    # without that list; a root level lowered later no longer reaches SpiffWorkflow's DEBUG lines.
    logger = logging.getLogger("spiff.workflow")
    if logger.level == logging.NOTSET:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.INFO))


def script_engine():
    """The shared restricted script engine (built on first use, with the app clock installed)."""
    global _script_engine
    if _script_engine is None:
        with _script_engine_lock:  # threaded workers: one engine, built once
            if _script_engine is None:
                clockwork.install()
                _pin_spiff_log_level()
                _script_engine = RestrictedScriptEngine(service_handler=_service_handler,
                                                        limits=_limits_from_config())
    return _script_engine


def _max_automatic_steps():
    return current_app.config.get("ENGINE_MAX_AUTOMATIC_STEPS", MAX_AUTOMATIC_STEPS) if has_app_context() \
        else MAX_AUTOMATIC_STEPS


def run_step(ctx, step, workflow=None):
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
    """The saved instance's workflow, on its diagram version's cached specs, with the script engine."""
    # The version as loaded or just set (a migration sets it before its id is flushed); else by id.
    version = instance.__dict__.get("diagram_version")
    spec, subprocess_specs = (spec_cache.get(version) if version is not None
                              else specs_of_version(instance.diagram_version_id))
    return load_state(instance.state, spec, subprocess_specs, script_engine())


def may_have_due_work(instance):
    """False when the saved instance is running with no timer due: catching up would do nothing."""
    return instance.status != "running" or (instance.next_timer_at is not None
                                            and instance.next_timer_at <= utcnow())


def may_have_ready_steps(workflow):
    """False when no task of ``workflow`` or of its subprocesses is a ready automatic step.

    ``get_tasks(state=READY, manual=False)`` finds only such tasks (its walk reaches no others),
    but walks the tree: usually nothing is ready, and this look at each task's state says so for
    less. When it finds one, ``get_tasks``' answer is asked as before.

    Not the plain walk (walks.py) itself, though it is one piece of logic with it: the walk looks
    up every task's children and subprocess by UUID (a hash computed in Python each time), this
    reads the task dicts' values. Asking ``get_tasks`` alone cost a visit completion 0.107 M more
    instructions (bench/callgrind_pages.py, SQLite: finish_visit 14.328 -> 14.435 M).
    """
    for each in (workflow, *workflow.subprocesses.values()):
        for task in each.tasks.values():
            if task.state & _READY and not task.task_spec.manual:
                return True
    return False


def catch_up(workflow):
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
        if not may_have_ready_steps(workflow) or not workflow.get_tasks(state=TaskState.READY, manual=False):
            return
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=count)
    raise ScriptLimitExceeded("loop", limit=limit)
