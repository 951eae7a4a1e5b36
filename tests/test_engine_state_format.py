"""What a save reads and writes is what it was before it was made cheaper.

The stored state is SpiffWorkflow's own layout: the engine's direct task writer gives exactly the
dictionaries SpiffWorkflow's serializer gives (as JSON text: the same values; orjson writes the
text, non-ASCII unescaped), and what it writes loads back. The
save's one walk of the tree (``tree.survey``) finds what SpiffWorkflow's filtered walks found.
"""
import copy
import datetime
import enum
import functools
import json
import math
import uuid

import pytest

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from SpiffWorkflow.util.task import TaskState

from webapp.engine import tasks as engine_tasks
from webapp.engine import passed, plain_state, runtime, saving, serialization, tree, walks
from webapp.engine.diagrams import spec_cache
from webapp.extensions import db
from webapp.models import Household, ProcessInstance
from webapp.services.casework import cases

from .helpers import case_at_visit, complete_as

VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}


def _spiffs_serializer():
    """SpiffWorkflow's own serializer, its converters also taking the engine's workflow and task classes."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    SPIFF_CONFIG[BpmnWorkflow](walks.Workflow, registry, "BpmnWorkflow")
    SPIFF_CONFIG[BpmnSubWorkflow](walks.SubWorkflow, registry, "BpmnSubWorkflow")
    SPIFF_CONFIG[Task](engine_tasks.Task, registry, "Task")
    return BpmnWorkflowSerializer(registry)


SPIFF = _spiffs_serializer()


def spiff_state(workflow):
    """SpiffWorkflow's own serialization of ``workflow`` without its specs, as JSON."""
    dct = SPIFF.to_dict(workflow)
    del dct["spec"], dct["subprocess_specs"]
    return json.dumps(dct, separators=(",", ":"))


def assert_written_as_spiff(ours, workflow):
    """``ours`` holds, as JSON, what SpiffWorkflow's serializer writes of ``workflow``."""
    assert json.loads(ours) == json.loads(spiff_state(workflow))


def path_by_get_tasks(workflow):
    """The passed path as the save read it before ``tree.survey``: SpiffWorkflow's full walk."""
    path = {}
    for task in workflow.get_tasks():
        element = tree.bpmn_id(task)
        if element is None:
            continue
        entry = path.setdefault(task.workflow.spec.name, {"completed": set(), "waiting": set(), "flows": set()})
        if task.state == TaskState.COMPLETED:
            entry["completed"].add(element)
        elif task.state in (TaskState.READY, TaskState.STARTED):
            entry["waiting"].add(element)
        else:
            continue
        parent = task.parent
        while parent is not None and not tree.bpmn_id(parent) and parent.workflow is task.workflow:
            parent = parent.parent
        if parent is not None and tree.bpmn_id(parent) and parent.workflow is task.workflow:
            entry["flows"].add((tree.bpmn_id(parent), element))
    return path


def assert_survey_is_spiffs(workflow):
    found = tree.survey(workflow)
    assert found.ready == workflow.get_tasks(state=TaskState.READY, manual=True)
    assert found.waiting == workflow.get_tasks(state=TaskState.WAITING)
    assert found.path == path_by_get_tasks(workflow)


def assert_loads_as(state, live):
    """``state`` read back is ``live``: every task with its place, state, data and bookkeeping."""
    loaded = serialization.load_state(state, live.spec, live.subprocess_specs, runtime.script_engine())
    assert loaded.data == live.data and loaded.task_tree.id == live.task_tree.id
    assert set(loaded.subprocesses) == set(live.subprocesses)
    for workflow, other in [(live, loaded)] + [(sub, loaded.subprocesses[key]) for key, sub in live.subprocesses.items()]:
        assert list(workflow.tasks) == list(other.tasks)
        for task_id, task in workflow.tasks.items():
            again = other.tasks[task_id]
            assert (again._parent, again._children, again.state, again.task_spec, again.triggered,
                    again.last_state_change) == (task._parent, task._children, task.state, task.task_spec,
                                                 task.triggered, task.last_state_change)
            assert again.data == task.data and again.internal_data == task.internal_data
            assert vars(again).keys() == vars(task).keys()  # every attribute Task.__init__ gives
    assert set(loaded.event_manager.tasks) == set(live.event_manager.tasks)



def _every_state_matches_spiffs():
    checked = 0
    db.session.expire_all()
    for instance in ProcessInstance.query.order_by(ProcessInstance.id):
        workflow = runtime.load_workflow(instance)
        assert_survey_is_spiffs(workflow)
        ours = serialization.dump_state(workflow)
        assert ours == instance.state  # read and written back unchanged
        assert_written_as_spiff(ours, workflow)
        # What it wrote loads back into the same workflow.
        spec, subprocess_specs = spec_cache.get(instance.diagram_version)
        again = serialization.load_state(ours, spec, subprocess_specs, runtime.script_engine())
        assert serialization.dump_state(again) == ours
        checked += 1
    return checked


def test_states_at_every_stage_are_spiffworkflows_layout(county, monkeypatch):
    """Fresh starts, a case at its visit, returned twice, and finished: byte for byte Spiff's JSON,
    as each save writes it and as each stored state loads."""
    saved = []

    def compared(workflow):
        ours = serialization.dump_state(workflow)
        assert_written_as_spiff(ours, workflow)
        assert_loads_as(ours, workflow)
        saved.append(ours)
        return ours

    remember = passed.remember
    surveyed = []

    def surveyed_before_pruning(stored, workflow, path=None):
        assert_survey_is_spiffs(workflow)  # the whole tree, before pruning trims it
        surveyed.append(workflow)
        return remember(stored, workflow, path)

    monkeypatch.setattr(saving, "dump_state", compared)
    monkeypatch.setattr(passed, "remember", surveyed_before_pruning)
    case = case_at_visit()
    household = Household(household_number="STATE-1", head_name="测试户", county_code=case.county_code,
                          township_code=case.township_code, village_code=case.village_code, address="测试地址")
    db.session.add(household)
    cases.start_registration_case(household)
    db.session.commit()
    for round_no in (1, 2):
        complete_as(case, "visit_household", "village1", VISIT)
        complete_as(case, "first_review", "township", {"review_decision": "return", "review_comment": f"退回{round_no}"})
    other = case_at_visit()
    complete_as(other, "visit_household", "village1", VISIT)
    complete_as(other, "first_review", "township", {"review_decision": "approve", "review_comment": ""})
    complete_as(other, "county_audit_review", "county", {"audit_decision": "approve", "audit_comment": ""})
    assert len(saved) >= 10 and len(surveyed) == len(saved)
    assert _every_state_matches_spiffs() >= 3


def test_timer_bookkeeping_and_data_of_other_types_are_written_as_spiff_writes_them(county):
    """Internal data that is not plain (dates) goes through Spiff's registry, as before."""


    case = case_at_visit()
    instance = ProcessInstance.query.filter_by(case_id=case.id).one()
    workflow = runtime.load_workflow(instance)
    task = next(iter(workflow.tasks.values()))
    task.internal_data["when"] = datetime.datetime(2026, 6, 1, 8, 30)
    task.internal_data["nested"] = {"a": [1, 2, {"b": None}]}
    task.data["kept"] = {"list": [1, "二"], "flag": False}
    assert_written_as_spiff(serialization.dump_state(workflow), workflow)


class _Colour(enum.Enum):
    RED = "red"


class _Code(str):
    pass


def test_state_text_holds_what_json_dumps_wrote_for_every_kind_of_value():
    """orjson writes the text; where it would write another value (NaN as null, an enum as its
    value) or refuses one json.dumps writes (int keys, huge ints, deep nesting), json.dumps does."""
    values = [
        {"name": "张三", "n": 3, "x": 1.5, "big": 1e16, "tiny": -0.0, "none": None, "list": [True, False, "二"]},
        {"nan": math.nan, "inf": math.inf},
        {"huge": 2 ** 70},
        {"keys": {1: "one", 2.5: "x", None: "n", True: "t"}},
        {"tuple": (1, 2)},
        {"code": _Code("A1")},
        {"deep": functools.reduce(lambda inner, _: [inner], range(300), [])},
    ]
    for value in values:
        text = serialization.json_text(value)
        expected = json.dumps(value, separators=(",", ":"))
        assert json.loads(text) == json.loads(expected) or text == expected, value
        assert serialization.json_value(text) == json.loads(text) or text == expected, value
    assert "NaN" in serialization.json_text({"nan": math.nan})  # read back as NaN, not None
    assert serialization.json_text({"huge": 2 ** 70}) == '{"huge":1180591620717411303424}'
    assert serialization.json_value('{"huge":1180591620717411303424}') == {"huge": 2 ** 70}  # not a float
    for refused in ({"colour": _Colour.RED}, {"set": {1, 2}}, {"when": datetime.date(2026, 6, 1)}):
        with pytest.raises(TypeError):  # json.dumps refuses them: the save becomes an incident, as before
            serialization.json_text(refused)


def _workflow_at_visit():
    case = case_at_visit()
    return runtime.load_workflow(ProcessInstance.query.filter_by(case_id=case.id).one())


def _read_back_text(workflow):
    """The state's text as ``json_text`` writes it when it reads orjson's text back."""
    return serialization.json_text(serialization.serializer().to_dict(workflow))


def _plain(value):
    """Whether ``value`` holds only texts, ints, bools, None, finite floats, lists and dicts: what
    orjson writes as json.dumps does (so reads back equal)."""
    if type(value) in (str, int, bool, type(None)):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) in (dict, list):
        return all(map(_plain, value.values() if type(value) is dict else value))
    return False


def test_a_states_fields_not_read_back_are_made_plain(county):
    """``dump_state`` reads back only the values the converters take as they are: the fields they
    make are plain (a whole state walked here), so its text is what a whole read-back keeps."""
    case = case_at_visit()
    complete_as(case, "visit_household", "village1", VISIT)  # a state with subprocess tasks done
    for instance in ProcessInstance.query.all():
        workflow = runtime.load_workflow(instance)
        state = serialization.serializer().to_dict(workflow)
        made = copy.deepcopy(state)  # its types as they are
        for part in plain_state.taken_as_they_are(made):
            if type(part) in (dict, list):
                part.clear()  # the values taken as they are left out: the rest is the converters'
        assert _plain(made)
        text = serialization.dump_state(workflow)
        assert text.startswith(serialization.ORJSON_MARK) and text == _read_back_text(workflow)


@pytest.mark.parametrize("odd", [math.nan, math.inf, -math.inf, (1, 2), {1, 2}, _Code("A1"), _Colour.RED,
                                 uuid.UUID(int=7), datetime.date(2026, 6, 1)], ids=repr)
@pytest.mark.parametrize("place", ["task data", "a delta", "internal data", "a subprocess's task", "workflow data"])
def test_a_state_holding_a_value_orjson_writes_otherwise_is_read_back(county, odd, place):
    """NaN, infinities, tuples, sets, subclasses, enums, UUIDs, dates, wherever the workflow holds
    them: among the parts read back, so the text is the whole read-back's (json.dumps' where
    orjson's differs)."""
    workflow = _workflow_at_visit()
    tasks = list(workflow.tasks.values())
    if place == "task data":
        workflow.task_tree.data["odd"] = odd
    elif place == "a delta":
        tasks[-1].data["odd"] = [{"deep": odd}]
    elif place == "internal data":
        tasks[-1].internal_data["odd"] = {"deep": odd}
    elif place == "a subprocess's task":
        subprocess = next(iter(workflow.subprocesses.values()))
        list(subprocess.tasks.values())[-1].data["odd"] = odd
    else:
        workflow.data["odd"] = odd
    try:
        expected = _read_back_text(workflow)
    except TypeError:  # json.dumps refuses it: so does the save, as before
        with pytest.raises(TypeError):
            serialization.dump_state(workflow)
        return
    assert serialization.dump_state(workflow) == expected
    if isinstance(odd, float):
        assert not expected.startswith(serialization.ORJSON_MARK) and json.dumps(odd) in expected  # not null
