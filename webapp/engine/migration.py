"""Moving running instances to another version of their diagram (SpiffWorkflow's diff and migration).

An instance can move when every task it has passed or is at still exists in the new version and
nothing it passed was changed (a changed path *out of* a passed task does not count: that path
was already taken). The top-level process and every called process (call activity) it has run
or is running are checked and migrated, each against the same-named process of the new bundle;
called processes not started yet simply start on the new version's spec.

Open tasks keep their identity (the inbox row, its assignee, its data). Timers waiting on open
tasks keep their due times unless the administrator asks for the new version's durations; then
the new duration counts from when the old timer started, not from the migration.
"""
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from sqlalchemy import select

from ..extensions import db
from ..models import InboxTask, ProcessInstance
from ..models.base import utcnow
from ..services.campaign import progress
from . import projection, runtime, saving
from .diagrams import spec_cache
from .serialization import SERIALIZER_VERSION, dump_state, serializer

# A change to these attributes of a passed task only re-routes paths it did not take.
_ROUTING_KEYS = {"inputs", "outputs"}
# A user task's properties (docs/process-contract.md: form kind, titles, variables, deadline and
# reminder) change nothing a case already did: a passed step's data is written, an open step is
# shown by its row's (new) version, and the deadline/reminder are compared on the timers they
# expand into. Older versions carry no properties at all, so they must not block a migration.
def _without_properties(extensions):
    extensions = dict(extensions or {})
    extensions.pop("properties", None)
    return extensions


def _changed_keys(spec_diff, task_spec):
    """What changed on ``task_spec`` that matters to a case that passed it."""
    keys = set(spec_diff.changed_once.get(task_spec, ())) - _ROUTING_KEYS
    if "extensions" in keys:
        new = spec_diff.alignment.get(task_spec)
        if new is not None and _without_properties(getattr(task_spec, "extensions", None)) == \
                _without_properties(getattr(new, "extensions", None)):
            keys.discard("extensions")
    return keys


# Tasks the case has passed or is at; a missing spec for any of them cannot be stored.
_PRESENT = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.WAITING | TaskState.ERROR \
    | TaskState.CANCELLED


@dataclass(frozen=True)
class Obstacle:
    """Why an instance cannot move: ``kind`` is removed / changed / process_removed."""

    kind: str
    process: str
    element: str


class Incompatible(Exception):
    """The instance cannot move to the requested version; ``obstacles`` say why."""

    def __init__(self, obstacles):
        self.obstacles = list(obstacles)
        super().__init__("; ".join(f"{o.kind}:{o.process}:{o.element}" for o in self.obstacles))


@dataclass
class Outcome:
    """What happened to one instance: migrated / already / incompatible / not_running."""

    status: str
    obstacles: list = field(default_factory=list)
    before: list = field(default_factory=list)   # open tasks before (projection dictionaries)
    after: list = field(default_factory=list)    # open tasks after
    case_id: int | None = None


class _SpecDiffCache:
    """SpecDiffs per (old bundle, new bundle, process): versions never change, so neither do they."""

    def __init__(self, size=64):
        self.size, self.entries = size, OrderedDict()

    def get(self, old_hash, new_hash, old_spec, new_spec):
        key = (old_hash, new_hash, old_spec.name)
        entry = self.entries.get(key)
        if entry is None:
            entry = SpecDiff(serializer().registry, old_spec, new_spec)
            # ``changed`` and ``removed`` are properties computed on each read: keep them.
            entry.changed_once, entry.removed_once = entry.changed, set(entry.removed)
            self.entries[key] = entry
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return entry


_spec_diffs = _SpecDiffCache()


def _name(spec):
    """How a spec is named on a page: its BPMN name, else its id (process specs: description)."""
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) \
        or getattr(spec, "description", None) or spec.name


class _WorkflowDiff:
    """SpiffWorkflow's WorkflowDiff (what ``migrate_workflow`` reads) built in one plain scan.

    The library's version recomputes the spec diff's ``changed`` and ``removed`` for every task;
    with thousands of instances to move that dominated the cost.
    """

    def __init__(self, workflow, spec_diff):
        self.removed, self.changed, self.alignment = [], [], {}
        changed, removed = spec_diff.changed_once, spec_diff.removed_once
        for task in _tasks(workflow):
            if task.task_spec in changed:
                self.changed.append(task)
            if task.task_spec in removed:
                self.removed.append(task)
            else:
                self.alignment[task] = spec_diff.alignment[task.task_spec]


def _passed_obstacles(passed, old_version, new_version):
    """Obstacles among the elements a case passed that pruning dropped from its live state.

    ``passed`` is ``process_instance.passed`` ({process: {"completed": [element ids]}}): a step
    completed long ago (a finished subprocess, an earlier round) counts like one still in the tree.
    """
    old_spec, old_deps = spec_cache.get(old_version)
    new_spec, new_deps = spec_cache.get(new_version)
    olds, news = {old_spec.name: old_spec, **old_deps}, {new_spec.name: new_spec, **new_deps}
    obstacles = []
    for process, entry in (passed or {}).items():
        old = olds.get(process)
        if old is None:
            continue
        new = news.get(process)
        if new is None:
            obstacles.append(Obstacle("process_removed", _name(old), _name(old)))
            continue
        spec_diff = _spec_diffs.get(old_version.content_hash, new_version.content_hash, old, new)
        by_element = {getattr(spec, "bpmn_id", None): spec for spec in old.task_specs.values()}
        for element in entry.get("completed", ()):
            task_spec = by_element.get(element)
            if task_spec is None:
                continue
            if task_spec in spec_diff.removed_once:
                obstacles.append(Obstacle("removed", _name(old), _name(task_spec)))
            elif _changed_keys(spec_diff, task_spec):
                obstacles.append(Obstacle("changed", _name(old), _name(task_spec)))
    return obstacles


def _plan(workflow, old_version, new_version, passed=None):
    """[(workflow or subworkflow, new spec, WorkflowDiff)] and the obstacles found."""
    new_spec, new_deps = spec_cache.get(new_version)
    pairs, obstacles = [], []
    if workflow.spec.name != new_spec.name:
        return [], [Obstacle("process_removed", workflow.spec.name, workflow.spec.name)]
    candidates = [(workflow, new_spec)]
    for sub in workflow.subprocesses.values():
        target = new_deps.get(sub.spec.name)
        if target is None:
            obstacles.append(Obstacle("process_removed", sub.spec.name, sub.spec.name))
        else:
            candidates.append((sub, target))
    for each, target in candidates:
        spec_diff = _spec_diffs.get(old_version.content_hash, new_version.content_hash, each.spec, target)
        diff = _WorkflowDiff(each, spec_diff)
        process = _name(each.spec)
        for task in diff.removed:
            if task.has_state(_PRESENT):
                obstacles.append(Obstacle("removed", process, _name(task.task_spec)))
        for task in diff.changed:
            keys = _changed_keys(spec_diff, task.task_spec)
            if task.has_state(TaskState.COMPLETED) and keys:
                obstacles.append(Obstacle("changed", process, _name(task.task_spec)))
        pairs.append((each, target, diff))
    obstacles.extend(_passed_obstacles(passed, old_version, new_version))
    # One line per element, in a stable order.
    return pairs, sorted(set(obstacles), key=lambda o: (o.process, o.element, o.kind))


def check(workflow, old_version, new_version, passed=None):
    """The obstacles to moving ``workflow`` from ``old_version`` to ``new_version`` (empty: it can)."""
    return _plan(workflow, old_version, new_version, passed)[1]


def _timer_delta(task, definition):
    """The duration a duration timer of ``task`` evaluates to, or None for dates and cycles."""
    if not isinstance(definition, DurationTimerEventDefinition):
        return None
    try:
        text = task.workflow.script_engine.evaluate(task, definition.expression)
        return TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(text))
    except Exception:  # noqa: BLE001 - an unreadable timer keeps whatever the engine computed
        return None


def _tasks(workflow, mask=TaskState.ANY_MASK):
    """The workflow's own tasks (not its subprocesses') in ``mask``: a plain scan of its task map,
    much cheaper than SpiffWorkflow's tree iterator, which the migration would walk six times."""
    return [task for task in list(workflow.tasks.values()) if task.state & mask]


def _snapshot(pairs):
    """Data, internal data and old timer durations of the open tasks, by task id."""
    kept = {}
    for each, _, _ in pairs:
        for task in _tasks(each, TaskState.READY | TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            kept[task.id] = (deepcopy(task.data), deepcopy(task.internal_data), _timer_delta(task, definition))
    return kept


def _restore(pairs, kept, follow_new_deadlines):
    for each, _, _ in pairs:
        for task in _tasks(each, TaskState.READY | TaskState.WAITING):
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
        for task in _tasks(each, TaskState.STARTED):
            if all(child.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) for child in task.children):
                task._drop_children(force=True)
                task.task_spec._predict(task, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE | TaskState.STARTED)


def _verify(pairs):
    for each, _, _ in pairs:
        known = {id(spec) for spec in each.spec.task_specs.values()}
        for task in _tasks(each):
            if id(task.task_spec) not in known:
                raise Incompatible([Obstacle("removed", _name(each.spec), _name(task.task_spec))])


def migrate(workflow, old_version, new_version, follow_new_deadlines=False, passed=None):
    """Move ``workflow`` (loaded on ``old_version``) onto ``new_version`` in memory.

    Raises Incompatible, leaving the workflow unusable (reload it), when it cannot move.
    """
    pairs, obstacles = _plan(workflow, old_version, new_version, passed)
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
            progress.overdue_cleared(row)  # the counters live with the services
            row.overdue = False  # a later deadline is a new chance to be on time
        row.title, row.due_at, row.reminder_at = item["title"], item["due_at"], item["reminder_at"]


def spec_changes(old_version, new_version):
    """(process, kind, element) for every element added, removed or changed between two bundles.

    ``kind`` is added / removed / changed / process_added / process_removed; engine-internal
    specs (joins, splits, the start and end helpers) are left out.
    """
    old_spec, old_deps = spec_cache.get(old_version)
    new_spec, new_deps = spec_cache.get(new_version)
    old_all, new_all = {old_spec.name: old_spec, **old_deps}, {new_spec.name: new_spec, **new_deps}
    found = []
    for name, spec in old_all.items():
        target = new_all.get(name)
        if target is None:
            found.append((_name(spec), "process_removed", _name(spec)))
            continue
        diff = _spec_diffs.get(old_version.content_hash, new_version.content_hash, spec, target)
        process = _name(spec)
        found += [(process, "added", _name(t)) for t in diff.added if t.bpmn_id]
        found += [(process, "removed", _name(t)) for t in diff.removed if t.bpmn_id]
        found += [(process, "changed", _name(t)) for t in diff.changed if t.bpmn_id]
    found += [(_name(spec), "process_added", _name(spec)) for name, spec in new_all.items() if name not in old_all]
    return found


def running_instances(version_id):
    """Ids of the running instances on one diagram version, oldest first."""
    return [i for (i,) in ProcessInstance.query.with_entities(ProcessInstance.id)
            .filter_by(diagram_version_id=version_id, status="running").order_by(ProcessInstance.id)]
