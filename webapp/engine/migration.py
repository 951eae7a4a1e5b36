"""Moving running instances to another version of their diagram (SpiffWorkflow's diff and migration).

Whether an instance can move, and what changed between two versions, is migration_plan.py's.
The top-level process and every called process (call activity) it has run or is running are
migrated, each onto the same-named process of the new bundle; called processes not started yet
simply start on the new version's spec.

Open tasks keep their identity (the inbox row, its assignee, its data). Timers waiting on open
tasks keep their due times unless the administrator asks for the new version's durations; then
the new duration counts from when the old timer started, not from the migration.
"""
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import migrate_workflow
from SpiffWorkflow.util.task import TaskState

from sqlalchemy import select

from ..extensions import db
from ..models import InboxTask, ProcessInstance
from ..models.base import utcnow
from . import hooks, projection, runtime, saving
from .diagrams import spec_cache
# What can move and what changed (migration_plan.py); Obstacle and spec_changes stay names of this
# module for its callers.
from .migration_plan import Incompatible, Obstacle, display_name, own_tasks, plan, spec_changes  # noqa: F401
from .serialization import SERIALIZER_VERSION, dump_state


@dataclass
class Outcome:
    """What happened to one instance: migrated / already / incompatible / not_running."""

    status: str
    obstacles: list = field(default_factory=list)
    before: list = field(default_factory=list)   # open tasks before (projection dictionaries)
    after: list = field(default_factory=list)    # open tasks after
    case_id: int | None = None


def _timer_delta(task, definition):
    """The duration a duration timer of ``task`` evaluates to, or None for dates and cycles."""
    if not isinstance(definition, DurationTimerEventDefinition):
        return None
    try:
        text = task.workflow.script_engine.evaluate(task, definition.expression)
        return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(text))
    except Exception:  # noqa: BLE001 - an unreadable timer keeps whatever the engine computed
        return None


def _snapshot(pairs):
    """Data, internal data and old timer durations of the open tasks, by task id."""
    kept = {}
    for each, _, _ in pairs:
        for task in own_tasks(each, TaskState.READY | TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            kept[task.id] = (deepcopy(task.data), deepcopy(task.internal_data), _timer_delta(task, definition))
    return kept


def _restore(pairs, kept, follow_new_deadlines):
    for each, _, _ in pairs:
        for task in own_tasks(each, TaskState.READY | TaskState.WAITING):
            if task.id not in kept:
                continue  # a task of the new version: it starts now
            data, internal, old_delta = kept[task.id]
            task.data = data  # a reset branch would inherit its parent's data and lose the task's own
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                task.internal_data = internal
                continue
            new_delta = _timer_delta(task, definition) if follow_new_deadlines else None
            old_value = internal.get("event_value")
            if new_delta is None or old_delta is None or not isinstance(old_value, str):
                if not follow_new_deadlines:
                    task.internal_data = internal  # the due time stays what it was
                continue
            started = datetime.fromisoformat(old_value) - old_delta
            task.internal_data = dict(internal, event_value=(started + new_delta).isoformat())


def _repredict(pairs):
    """Re-draw the predicted future below running call activities from the new specs."""
    for each, _, _ in pairs:
        for task in own_tasks(each, TaskState.STARTED):
            if all(child.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) for child in task.children):
                task._drop_children(force=True)
                task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE | TaskState.STARTED)


def _verify(pairs):
    for each, _, _ in pairs:
        known = {id(spec) for spec in each.spec.task_specs.values()}
        for task in own_tasks(each):
            if id(task.task_spec) not in known:
                raise Incompatible([Obstacle("removed", display_name(each.spec), display_name(task.task_spec))])


def migrate(workflow, old_version, new_version, follow_new_deadlines=False, passed=None):
    """Move ``workflow`` (loaded on ``old_version``) onto ``new_version`` in memory.

    Raises Incompatible, leaving the workflow unusable (reload it), when it cannot move.
    """
    pairs, obstacles = plan(workflow, old_version, new_version, passed)
    if obstacles:
        raise Incompatible(obstacles)
    kept = _snapshot(pairs)
    new_spec, new_deps = spec_cache.get(new_version)
    workflow.subprocess_specs = new_deps  # called processes not started yet start on the new version
    for each, target, diff in pairs:
        migrate_workflow(diff, each, target)
    _repredict(pairs)
    _restore(pairs, kept, follow_new_deadlines)
    _verify(pairs)
    return workflow


def preview(instance, new_version, follow_new_deadlines=False):
    """What migrating ``instance`` would do, without saving anything: an Outcome."""
    workflow, before, obstacles = _migrated(instance, new_version, follow_new_deadlines)
    if obstacles is not None:
        return Outcome("incompatible", obstacles, before, before)
    return Outcome("migrated", [], before, projection.ready_human_tasks(workflow))


def _migrated(instance, new_version, follow_new_deadlines):
    """Load ``instance`` and move its workflow to ``new_version`` in memory: (the workflow, its
    ready human tasks before, the obstacles when it cannot move or None)."""
    workflow = runtime.load_workflow(instance)
    before = projection.ready_human_tasks(workflow)
    try:
        migrate(workflow, instance.diagram_version, new_version, follow_new_deadlines, instance.passed)
    except Incompatible as err:
        return workflow, before, err.obstacles
    return workflow, before, None


def migrate_instance(instance_id, new_version, follow_new_deadlines=False, actor=None):
    """Move one instance to ``new_version`` under its lock, inbox rows in the same transaction.

    Safe to run twice: an instance already on the version is left alone. The caller commits.
    """
    instance = runtime.lock_instance(instance_id)
    if instance.diagram_version_id == new_version.id:
        return Outcome("already")
    if instance.status != "running":
        return Outcome("not_running")
    workflow, before, obstacles = _migrated(instance, new_version, follow_new_deadlines)
    if obstacles is not None:
        return Outcome("incompatible", obstacles, before, before)
    instance.diagram_version = new_version
    saving.save_workflow(instance, workflow, step="migrate", actor=actor)
    after = projection.ready_human_tasks(workflow)
    _refresh_open_rows(instance, after)
    return Outcome("migrated", [], before, after)


def migrate_batch(instance_ids, new_version, follow_new_deadlines=False, actor=None):
    """Move many instances in the caller's transaction: {instance id: Outcome}.

    The instances are locked and their open inbox rows read with one query each. An instance
    whose open tasks are the same ones after the move (the usual case: tasks keep their ids)
    is saved with its state, timer and rows only; any other goes through the full ``save_workflow``.
    A database error propagates (the caller rolls the batch back and goes one by one).
    """
    query = select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    instances = db.session.execute(query.order_by(ProcessInstance.id)
                                   .execution_options(populate_existing=True)).scalars().all()
    rows = {}
    for row in InboxTask.query.filter(InboxTask.instance_id.in_(instance_ids), InboxTask.state == "ready"):
        rows.setdefault(row.instance_id, []).append(row)
    outcomes = {}
    for instance in instances:
        if instance.diagram_version_id == new_version.id:
            outcomes[instance.id] = Outcome("already")
            continue
        if instance.status != "running":
            outcomes[instance.id] = Outcome("not_running")
            continue
        workflow = runtime.load_workflow(instance)
        try:
            migrate(workflow, instance.diagram_version, new_version, follow_new_deadlines, instance.passed)
        except Incompatible as err:
            outcomes[instance.id] = Outcome("incompatible", err.obstacles)
            continue
        after = projection.ready_human_tasks(workflow)
        open_rows = rows.get(instance.id, [])
        instance.diagram_version = new_version
        # Same open tasks with the same titles: nothing but state, timer and deadlines changes.
        if {(item["uuid"], item["title"]) for item in after} == {(row.task_uuid, row.title) for row in open_rows}:
            instance.state = dump_state(workflow)
            instance.next_timer_at = min((due for _, due in projection.waiting_timers(workflow)), default=None)
            instance.serializer_version = SERIALIZER_VERSION
            instance.updated_at = utcnow()
        else:
            saving.save_workflow(instance, workflow, step="migrate", actor=actor)
        _refresh_open_rows(instance, after, open_rows)
        outcomes[instance.id] = Outcome("migrated", [], [], after, instance.case_id)
    return outcomes


def _refresh_open_rows(instance, ready, open_rows=None):
    """Kept inbox rows take the new version's title, deadline and reminder."""
    by_uuid = {item["uuid"]: item for item in ready}
    now = utcnow()
    if open_rows is None:
        open_rows = InboxTask.query.filter_by(instance_id=instance.id, state="ready").all()
    for row in open_rows:
        row.diagram_version_id = instance.diagram_version_id  # the heatmap counts rows by version
        item = by_uuid.get(row.task_uuid)
        if item is None:
            continue
        if row.due_at != item["due_at"] and item["due_at"] is not None and item["due_at"] > now:
            hooks.emit(hooks.OVERDUE_CLEARED, row)  # the counters live with the services
            row.overdue = False  # a later deadline is a new chance to be on time
        row.title, row.due_at, row.reminder_at = item["title"], item["due_at"], item["reminder_at"]


def running_instances(version_id):
    """Ids of the running instances on one diagram version, oldest first."""
    return [i for (i,) in ProcessInstance.query.with_entities(ProcessInstance.id)
            .filter_by(diagram_version_id=version_id, status="running").order_by(ProcessInstance.id)]
