"""Whether a running instance can move to another version of its diagram, and what changed
between two versions (SpiffWorkflow's spec diff): the obstacles, and the plan that
``engine/migration.py`` carries out.

An instance can move when every task it has passed or is at still exists in the new version and
nothing it passed was changed (a changed path *out of* a passed task does not count: that path
was already taken). The top-level process and every called process (call activity) it has run
or is running are checked, each against the same-named process of the new bundle.
"""
from dataclasses import dataclass

from SpiffWorkflow.bpmn.util.diff import SpecDiff
from SpiffWorkflow.util.task import TaskState

from ..memo import Memo
from .diagrams import spec_cache
from .serialization import serializer

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


# SpecDiffs per (old bundle, new bundle, process): versions never change, so neither do they.
_spec_diffs = Memo(64)


def _spec_diff(old_hash, new_hash, old_spec, new_spec):
    """The SpecDiff of ``old_spec`` (in the bundle of hash ``old_hash``) to ``new_spec``, made once."""
    key = (old_hash, new_hash, old_spec.name)
    entry = _spec_diffs.get(key)
    if entry is None:
        entry = SpecDiff(serializer().registry, old_spec, new_spec)
        # ``changed`` and ``removed`` are properties computed on each read: keep them.
        entry.changed_once, entry.removed_once = entry.changed, set(entry.removed)
        _spec_diffs.put(key, entry)
    return entry


def display_name(spec):
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
        for task in own_tasks(workflow):
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
            obstacles.append(Obstacle("process_removed", display_name(old), display_name(old)))
            continue
        spec_diff = _spec_diff(old_version.content_hash, new_version.content_hash, old, new)
        by_element = {getattr(spec, "bpmn_id", None): spec for spec in old.task_specs.values()}
        for element in entry.get("completed", ()):
            task_spec = by_element.get(element)
            if task_spec is None:
                continue
            if task_spec in spec_diff.removed_once:
                obstacles.append(Obstacle("removed", display_name(old), display_name(task_spec)))
            elif _changed_keys(spec_diff, task_spec):
                obstacles.append(Obstacle("changed", display_name(old), display_name(task_spec)))
    return obstacles


def plan(workflow, old_version, new_version, passed=None):
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
        spec_diff = _spec_diff(old_version.content_hash, new_version.content_hash, each.spec, target)
        diff = _WorkflowDiff(each, spec_diff)
        process = display_name(each.spec)
        for task in diff.removed:
            if task.has_state(_PRESENT):
                obstacles.append(Obstacle("removed", process, display_name(task.task_spec)))
        for task in diff.changed:
            keys = _changed_keys(spec_diff, task.task_spec)
            if task.has_state(TaskState.COMPLETED) and keys:
                obstacles.append(Obstacle("changed", process, display_name(task.task_spec)))
        pairs.append((each, target, diff))
    obstacles.extend(_passed_obstacles(passed, old_version, new_version))
    # One line per element, in a stable order.
    return pairs, sorted(set(obstacles), key=lambda o: (o.process, o.element, o.kind))


def own_tasks(workflow, mask=TaskState.ANY_MASK):
    """The workflow's own tasks (not its subprocesses') in ``mask``: a plain scan of its task map,
    much cheaper than SpiffWorkflow's tree iterator, which the migration would walk six times."""
    return [task for task in list(workflow.tasks.values()) if task.state & mask]


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
            found.append((display_name(spec), "process_removed", display_name(spec)))
            continue
        diff = _spec_diff(old_version.content_hash, new_version.content_hash, spec, target)
        process = display_name(spec)
        found += [(process, "added", display_name(t)) for t in diff.added if t.bpmn_id]
        found += [(process, "removed", display_name(t)) for t in diff.removed if t.bpmn_id]
        found += [(process, "changed", display_name(t)) for t in diff.changed if t.bpmn_id]
    found += [(display_name(spec), "process_added", display_name(spec))
              for name, spec in new_all.items() if name not in old_all]
    return found
