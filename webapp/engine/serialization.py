"""Workflow state to JSON and back, without re-serializing the diagram each time.

A diagram version's parsed specs are cached per process; the stored state holds only the
task tree and data, and names the diagram version it needs.

The task tree is most of a state and of its cost: SpiffWorkflow's registry sends every task,
and every value of its bookkeeping, through a generic type dispatch. The converters here write
the same dictionaries (the same keys, in the same order, with the same values: tests compare
them with SpiffWorkflow's own) straight from the tasks, so stored states are unchanged and
SpiffWorkflow's own loader reads them as before; writing, each task id's text is made once (not
for its key, its entry, its parent's children and its children's parent), and reading, each task
id is parsed once and plain values are taken as they are.

The JSON text is orjson's (about a tenth of the standard library's time for a visit's state):
the same values (non-ASCII text is written as it is, not escaped), checked by reading them back.
Such a text is marked (``ORJSON_MARK``) and read back by orjson too (half json.loads' time).
Of a state only the values its converters take from the workflow as they are are read back
(``plain_state``): they make the rest of kinds orjson writes as json.dumps does.
"""
import json
import threading
from copy import copy, deepcopy
from uuid import UUID

import orjson

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.helpers import DefaultRegistry
from SpiffWorkflow.bpmn.serializer.default.workflow import (BpmnSubWorkflowConverter, BpmnWorkflowConverter,
                                                            TaskConverter)
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_FORMAT
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

import SpiffWorkflow.version as spiff_version

from . import tasks as engine_tasks
from . import walks
from .plain_state import taken_as_they_are

SERIALIZER_VERSION = f"{spiff_version.__version__}/{SERIALIZER_FORMAT}"
# Values the registry hands back as they are (no converter, not a container, never callable).
_PLAIN = frozenset({str, int, float, bool, type(None)})


class _Registry(DefaultRegistry):
    """SpiffWorkflow's registry, knowing the converter that writes tasks directly (if configured)."""

    direct_tasks = None


class DirectTaskConverter(TaskConverter):
    """SpiffWorkflow's task layout, written without the registry's per-value dispatch."""

    def __init__(self, target_class, registry, typename=None):
        super().__init__(target_class, registry, typename)
        registry.direct_tasks = self

    def to_dict(self, task, texts=None):
        """The task as TaskConverter writes it: its data whole at the root, else as a delta.

        ``texts``: the text of each task id of its workflow (``_texts``), when the caller made them.
        """
        if texts is None:
            texts = {}
        parent = task.workflow.tasks.get(task._parent)
        if parent is None:
            data, delta = task.data, {}
        else:
            parent_data, own = parent.data, task.data
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent_data, own),
                     "deletions": DeepMerge.get_deleted_keys(parent_data, own)}
        internal = task.internal_data
        for value in internal.values():
            if type(value) not in _PLAIN:
                internal = self.registry.convert(internal)  # timers' dates and the like
                break
        else:
            internal = dict(internal)
        return {
            "id": _text(texts, task.id),
            "parent": _text(texts, task._parent) if parent is not None else None,
            "children": [_text(texts, child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": internal,
            "data": data,
            "delta": delta,
        }


    def restore(self, dct, workflow, uuid):
        """TaskConverter.from_dict, each id parsed once (``uuid``) and plain values taken as they are.

        The task gets the attributes Task.__init__ gives it (a test compares them), without what
        __init__ does only to be overwritten (its clock reading, its parent lookup).
        """
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task_id = uuid(dct["id"])
        parent_id = uuid(dct["parent"]) if dct["parent"] is not None else None
        delta = dct.get("delta")
        parent = workflow.tasks.get(parent_id) if delta else None
        if parent is not None:
            data = _copied(parent.data)
            data.update(_restore_mapping(self.registry, delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        if task_spec is None:  # Task.__init__ puts a start task in its place
            task = self.target_class(workflow, task_spec, state=dct["state"], id=task_id)
            task_spec = task.task_spec
        else:
            task = _new(self.target_class)
            task.id = task_id
            workflow.tasks[task_id] = task
            task.workflow = workflow
        # In __init__'s order: the tasks share one key layout (Python keeps their values inline,
        # read faster than from a dict of each task's own, as ``task.__dict__.update`` would make).
        task._parent = parent_id
        task._children = [uuid(child) for child in dct["children"]]
        task._state = dct["state"]
        task.triggered = dct["triggered"]
        task.task_spec = task_spec
        task.thread_id = self.target_class.thread_id_pool
        task.data = data
        task.internal_data = _restore_mapping(self.registry, dct["internal_data"])
        task.last_state_change = dct["last_state_change"]
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        return task


_new = object.__new__
_MUTABLE = (dict, list, set)


def _copied(data):
    """``DeepMerge.merge({}, data)``: a new dict, each dict, list or set value copied one level."""
    return {key: copy(value) if isinstance(value, _MUTABLE) else value for key, value in data.items()}


def _texts(task_ids):
    """The text of each task id (a UUID), by its number: looked up by number, a UUID is not
    hashed through its Python ``__hash__``."""
    return {task_id.int: str(task_id) for task_id in task_ids}


def _text(texts, task_id):
    """``str(task_id)``, from ``texts`` when made already: a UUID's text is its costliest value."""
    text = texts.get(task_id.int)
    return str(task_id) if text is None else text


def _restore_mapping(registry, mapping):
    """``registry.restore(mapping)`` for a dictionary: a copy when it holds only plain values."""
    if "typename" not in mapping:
        for value in mapping.values():
            if type(value) not in _PLAIN:
                break
        else:
            return dict(mapping)
    return registry.restore(mapping)


def _tasks_from_dict(converter, written, workflow):
    """``converter.mapping_from_dict(written, UUID, workflow=workflow)``, the plain tasks read directly."""
    direct = converter.registry.direct_tasks
    if direct is None:
        return converter.mapping_from_dict(written, UUID, workflow=workflow)
    ids = {}

    def uuid(text):
        value = ids.get(text)
        if value is None:
            value = ids[text] = UUID(text)
        return value

    registry, typename = direct.registry, direct.typename
    tasks = {}
    for key, dct in written.items():
        if dct.get("typename") == typename:
            tasks[uuid(key)] = direct.restore(dct, workflow, uuid)
        else:
            tasks[uuid(key)] = registry.restore(dct, workflow=workflow)
    return tasks


_DIRECT_TYPES = (Task, engine_tasks.Task)  # the layout of both is TaskConverter's


def _tasks_to_dict(converter, tasks, texts):
    """``converter.mapping_to_dict(tasks)``: the registry's result, the plain tasks written directly.

    ``texts``: each task id's text (a task's id is written as its key, in its own entry, in its
    parent's children and in its children's parent: made once, not four times).
    """
    direct = converter.registry.direct_tasks
    if direct is None:
        return converter.mapping_to_dict(tasks)
    registry, typename = direct.registry, direct.typename
    written = {}
    for task_id, task in tasks.items():
        if type(task) in _DIRECT_TYPES:
            dct = direct.to_dict(task, texts)
            dct["typename"] = typename
        else:
            dct = registry.convert(task)
        written[_text(texts, task_id)] = dct
    return written


def _workflow_fields(converter, workflow):
    """The fields WorkflowConverter writes for the top workflow and each subprocess, in its order."""
    registry = converter.registry
    texts = _texts(workflow.tasks)
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": _text(texts, workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": _tasks_to_dict(converter, workflow.tasks, texts),
        "root": _text(texts, workflow.task_tree.id),
    }


class StateOnlySubWorkflowConverter(BpmnSubWorkflowConverter):
    """A subprocess as BpmnSubWorkflowConverter writes it, its tasks written directly."""

    def __init__(self, target_class, registry, typename="BpmnSubWorkflow"):
        super().__init__(target_class, registry, typename)  # the engine's class under SpiffWorkflow's name

    def to_dict(self, workflow):
        """The subprocess's fields, its calling task and its spec's name."""
        dct = _workflow_fields(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):
        """The subprocess called by ``task``, on its spec from the top workflow's subprocess specs."""
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = _tasks_from_dict(self, dct["tasks"], subprocess)
        subprocess.task_tree = subprocess.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the stored state; they come from the diagram version."""

    def __init__(self, target_class, registry, typename="BpmnWorkflow"):
        super().__init__(target_class, registry, typename)  # the engine's class under SpiffWorkflow's name

    def to_dict(self, workflow):
        """The top workflow's fields, its subprocesses and pending events: no specs."""
        dct = _workflow_fields(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        """Rebuild the workflow on the given (cached) specs."""
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = _tasks_from_dict(self, dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer():
    config = deepcopy(SPIFF_CONFIG)
    # The direct task layout is TaskConverter's: only where that is the configured one.
    if config.get(Task) is TaskConverter:
        config[Task] = DirectTaskConverter
    # Registered after SpiffWorkflow's Task under its name: a stored task reads back as the engine's.
    config[engine_tasks.Task] = config[Task]
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    config[BpmnSubWorkflow] = StateOnlySubWorkflowConverter
    # Registered last, the engine's own classes are what a stored state reads back into.
    config[walks.Workflow] = StateOnlyWorkflowConverter
    config[walks.SubWorkflow] = StateOnlySubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, registry=_Registry()))


_serializer = None
_serializer_lock = threading.Lock()


def serializer():
    """The process-wide serializer, built on first use."""
    global _serializer
    if _serializer is None:
        with _serializer_lock:  # threaded workers: built once (the registry is not re-entrant)
            if _serializer is None:
                _serializer = _make_serializer()
    return _serializer


# Types orjson would write on its own that json.dumps writes otherwise (a str or int subclass by
# its value) or refuses (dates, dataclasses): they go to json.dumps, which does as it always did.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


# Leads a text orjson wrote (JSON allows whitespace before a value, so every reader still reads it).
ORJSON_MARK = " "


def json_text(value, parts=None):
    """``json.dumps(value, separators=(",", ":"))``'s JSON value, written by orjson when it can.

    orjson writes NaN and infinities as null and enums and UUIDs as their values, where json.dumps
    writes NaN or refuses; it refuses keys that are not strings, ints beyond 64 bits and nesting
    deeper than 255. So its text is kept only when it reads back equal to ``value`` (a few tens
    of microseconds, still a third of json.dumps), then marked with ORJSON_MARK; otherwise
    json.dumps writes (or refuses) it. ``parts``: the values within ``value`` that may read back
    otherwise, the rest being of kinds that do not (``plain_state``): only they are read back.
    """
    try:
        written = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: a type, key or depth it does not write
        written = None
    if written is not None and (_reads_back(value, written) if parts is None else _reads_back(parts)):
        return ORJSON_MARK + written.decode()
    return json.dumps(value, separators=(",", ":"))


def _reads_back(value, written=None):
    """Whether orjson's text of ``value`` (``written``, when made) reads back equal to it."""
    if written is None:
        try:
            written = orjson.dumps(value, option=_ORJSON_OPTIONS)
        except TypeError:
            return False
    return orjson.loads(written) == value


def json_value(text):
    """The value of a ``json_text`` (or any JSON text): orjson reads only the texts it wrote.

    They read back equal when written; another text (json.dumps' fallback, a state stored
    before) may hold what orjson reads otherwise (an integer beyond 64 bits becomes a float).
    """
    if text.startswith(ORJSON_MARK):
        return orjson.loads(text)
    return json.loads(text)


def dump_state(workflow):
    """The workflow's state (not its specs) as a JSON string."""
    state = serializer().to_dict(workflow)
    return json_text(state, taken_as_they_are(state))


def load_state(state, spec, subprocess_specs, script_engine):
    """Rebuild a workflow from stored state and the cached specs of its diagram version."""
    workflow = serializer().from_dict(json_value(state), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
