"""The engine's plain task walks (engine/walks.py) find what SpiffWorkflow's iterator finds.

At every save of cases walked through visits, returns, reviews and an audit, each query a run
makes (and a few more) is asked of both, for the top workflow and each subprocess (and each
task's subtree, which pruning keeps); a workflow read back from its state, and every subprocess
a run starts, are of the engine's classes.
"""
from SpiffWorkflow.util.task import TaskIterator, TaskState
from SpiffWorkflow.workflow import Workflow as SpiffsWorkflow

from webapp.engine import tasks as engine_tasks
from webapp.engine import pruning, runtime, saving, serialization, walks
from webapp.extensions import db
from webapp.models import ProcessInstance

from .helpers import case_at_visit, complete_as

VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}
QUERIES = [{}, {"state": TaskState.READY}, {"state": TaskState.READY, "manual": False},
           {"state": TaskState.READY, "manual": True}, {"state": TaskState.WAITING},
           {"state": TaskState.COMPLETED}, {"state": TaskState.ERROR}, {"state": TaskState.NOT_FINISHED_MASK},
           {"state": TaskState.FINISHED_MASK}, {"state": TaskState.PREDICTED_MASK},
           {"state": TaskState.DEFINITE_MASK}, {"state": TaskState.LIKELY | TaskState.COMPLETED}]


def assert_walks_are_spiffs(workflow):
    """Each query's tasks, in order, as SpiffWorkflow's iterator lists them; the waiting ones too."""
    assert type(workflow) is walks.Workflow
    for each in (workflow, *workflow.subprocesses.values()):
        assert type(each) in (walks.Workflow, walks.SubWorkflow)
        assert {type(task) for task in each.tasks.values()} == {engine_tasks.Task}  # their log details when kept
        for query in QUERIES:
            assert each.get_tasks(**query) == SpiffsWorkflow.get_tasks(each, **query), query
        # update_waiting_tasks' walk: the plain iterator, which stays in its own workflow
        assert list(walks.walk(each.task_tree, TaskState.WAITING)) == list(
            TaskIterator(each.task_tree, state=TaskState.WAITING))
        for task in each.tasks.values():  # what pruning keeps below a task
            assert list(walks.subtree(task)) == list(task)
            # a catching event's run: its own spec below itself (and other queries from a task)
            for query in ({"spec_name": task.task_spec.name}, {"state": TaskState.WAITING},
                          {"spec_name": task.task_spec.name, "state": TaskState.COMPLETED}):
                assert each.get_tasks(task, **query) == SpiffsWorkflow.get_tasks(each, task, **query), query
        names = {task.task_spec.name for task in each.tasks.values()}
        for name in sorted(names) + ["no such spec"]:
            query = {"spec_name": name}
            assert each.get_tasks(**query) == SpiffsWorkflow.get_tasks(each, **query), query



def test_walks_find_what_spiffworkflows_iterator_finds_at_every_save(county, monkeypatch):
    saved = []
    dump, prune = saving.dump_state, pruning.prune

    def compared(workflow):
        assert_walks_are_spiffs(workflow)
        saved.append(len(workflow.subprocesses))  # the walks go into subprocesses too
        return dump(workflow)

    def compared_before_pruning(workflow):  # finished subprocesses still there
        assert_walks_are_spiffs(workflow)
        return prune(workflow)

    monkeypatch.setattr(saving, "dump_state", compared)
    monkeypatch.setattr(pruning, "prune", compared_before_pruning)
    case = case_at_visit()
    complete_as(case, "visit_household", "village1", dict(VISIT, visit_result="not_at_home"))
    for decision in ("return", "approve"):
        complete_as(case, "visit_household", "village1", VISIT)
        complete_as(case, "first_review", "township", {"review_decision": decision, "review_comment": "退回"})
    complete_as(case, "county_audit_review", "county", {"audit_decision": "approve", "audit_comment": ""})
    assert len(saved) >= 6 and any(saved)
    db.session.expire_all()
    assert case.status == "completed"
    for instance in ProcessInstance.query.order_by(ProcessInstance.id):  # as each stored state reads back
        assert_walks_are_spiffs(runtime.load_workflow(instance))


def test_a_workflow_larger_than_walked_is_left_to_spiffworkflows_iterator(county, monkeypatch):
    instance = ProcessInstance.query.filter_by(status="running").first()
    workflow = runtime.load_workflow(instance)
    queries = QUERIES + [{"spec_name": "visit_household"}, {"first_task": workflow.task_tree, "spec_name": "Start"}]
    plain = {str(query): workflow.get_tasks(**query) for query in queries}
    monkeypatch.setattr(walks, "walk", None)  # any use of the plain walk now fails
    monkeypatch.setattr(walks, "MAX_TASKS", 1)
    assert {str(query): workflow.get_tasks(**query) for query in queries} == plain
    workflow.update_waiting_tasks()
    assert serialization.dump_state(workflow)
