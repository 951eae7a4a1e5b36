"""Workflow state to JSON and back, without re-serializing the diagram each time.

A diagram version's parsed specs are cached per process; the stored state holds only the
task tree and data, and names the diagram version it needs.
"""
import json
import threading
from copy import deepcopy
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_FORMAT
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

import SpiffWorkflow.version as spiff_version

SERIALIZER_VERSION = f"{spiff_version.__version__}/{SERIALIZER_FORMAT}"


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Leaves the specs out of the stored state; they come from the diagram version."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer():
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


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


def dump_state(workflow):
    """The workflow's state (not its specs) as a JSON string."""
    return json.dumps(serializer().to_dict(workflow), separators=(",", ":"))


def load_state(state, spec, subprocess_specs, script_engine):
    """Rebuild a workflow from stored state and the cached specs of its diagram version."""
    workflow = serializer().from_dict(json.loads(state), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
