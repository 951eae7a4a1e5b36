"""The engine's tasks (engine/tasks.py) log their state changes as SpiffWorkflow's do, and build
the record's details only when the ``spiff.task`` logger keeps the record."""
import logging

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask

from webapp.engine import tasks as engine_tasks
from webapp.engine import walks
from webapp.engine.diagrams import current_version, spec_cache

from .helpers import case_at_visit, complete_as

VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}
# What a record says of its task (ids, clocks and elapsed times differ between two runs).
_COMPARED = ("name", "levelno", "msg", "workflow_spec", "task_spec", "task_type", "state", "data")


def _run(workflow_class):
    spec, subprocess_specs = spec_cache.get(current_version("registration_case"))
    workflow = workflow_class(spec, subprocess_specs)
    workflow.do_engine_steps()
    return workflow


def _said(records):
    return [tuple(getattr(record, key, None) for key in _COMPARED) + (sorted(getattr(record, "internal_data", {})),)
            for record in records]  # internal data by its keys: a timer's due time is read off the clock


def test_with_the_logger_on_the_records_are_spiffworkflows(county, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("spiff.task"), "disabled", False)  # alembic's fileConfig disables it
    caplog.set_level(logging.DEBUG, logger="spiff.task")
    ours = _run(walks.Workflow)
    assert {type(task) for each in (ours, *ours.subprocesses.values()) for task in each.tasks.values()} == {
        engine_tasks.Task}
    ours_said = _said(caplog.records)
    caplog.clear()
    _run(BpmnWorkflow)
    spiffs_said = _said(caplog.records)
    assert ours_said == spiffs_said
    assert sum(1 for said in ours_said if said[2].startswith("State changed")) >= 10


def test_with_the_logger_off_no_details_are_built_and_the_run_is_the_same(county, monkeypatch):
    built = []
    spiffs = SpiffTask.collect_log_extras

    def counted(task, dct=None):
        built.append(task.task_spec.name)
        return spiffs(task, dct)

    monkeypatch.setattr(engine_tasks.Task, "collect_log_extras", counted)  # the engine's tasks only
    assert not logging.getLogger("spiff.task").isEnabledFor(logging.INFO)
    ours, spiffs_run = _run(walks.Workflow), _run(BpmnWorkflow)
    assert built == []
    assert [(task.task_spec.name, task.state) for task in ours.get_tasks()] == [
        (task.task_spec.name, task.state) for task in spiffs_run.get_tasks()]
    assert all(task.last_state_change for task in ours.get_tasks())
    case = case_at_visit()  # started, and a task completed, through the services
    complete_as(case, "visit_household", "village1", VISIT)
    assert built == []
