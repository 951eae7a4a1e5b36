"""The engine's cheaper answers are the ones its plain walks give.

``runtime.catch_up`` asks each task's state whether anything automatic may be ready before it
asks get_tasks' walk; pruning finds the lowest common ancestor of the live tasks in one
walk instead of one path per task. Both are compared with the plain way on workflows a case
passes through (starts, visits, returns, reviews).
"""
import random

from SpiffWorkflow.util.task import TaskState

from webapp.engine import pruning, runtime
from webapp.extensions import db
from webapp.models import InboxTask
from webapp.services.casework import cases

from .helpers import case_at_visit, user

VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}


def _walk_a_case():
    """A case visited, returned twice, and found not at home: each step as its assignee (or the
    township, claiming from its pool) finishes it."""
    case = case_at_visit()
    returned = {"review_decision": "return", "review_comment": "退回"}
    for data in (VISIT, returned, VISIT, returned, {**VISIT, "visit_result": "not_at_home"}):
        row = InboxTask.query.filter_by(case_id=case.id, state="ready").one()
        actor = row.assignee or user("township")
        if row.assignee_id is None:
            assert cases.claim(row, actor)
        cases.complete(row, actor, data)
        db.session.commit()


def test_catch_up_stops_only_when_spiffworkflow_finds_nothing_ready(county, monkeypatch):
    answers = []
    shortcut = runtime.may_have_ready_steps

    def compared(workflow):
        answer = shortcut(workflow)
        ready = workflow.get_tasks(state=TaskState.READY, manual=False)
        answers.append((answer, bool(ready)))
        return answer

    monkeypatch.setattr(runtime, "may_have_ready_steps", compared)
    _walk_a_case()
    assert answers
    assert all(answer or not ready for answer, ready in answers), answers


def plain_lowest_common_ancestor(tasks):
    """The deepest task every root-first path shares: the way pruning found it before."""
    chains = []
    for task in tasks:
        chain = []
        while task is not None:
            chain.append(task)
            task = task.parent
        chains.append(chain[::-1])
    common = None
    for level in zip(*chains):
        if any(each is not level[0] for each in level):
            break
        common = level[0]
    return common


def test_pruning_finds_the_common_ancestor_the_plain_way_finds(county, monkeypatch):
    compared = []
    prune = pruning.prune
    rng = random.Random(11)
    done = TaskState.COMPLETED | TaskState.CANCELLED

    def checked(workflow):
        for each in (workflow, *workflow.subprocesses.values()):
            tasks = list(each.tasks.values())
            live = [task for task in tasks if not task.has_state(done)]
            samples = [live] + [rng.sample(tasks, rng.randint(1, len(tasks))) for _ in range(20)]
            for sample in samples:
                if sample:
                    assert pruning.lowest_common_ancestor(sample) is plain_lowest_common_ancestor(sample)
                    compared.append(len(sample))
        return prune(workflow)

    monkeypatch.setattr(pruning, "prune", checked)
    _walk_a_case()
    assert len(compared) > 100
