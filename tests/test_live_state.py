"""Live state holds only what is live: a case returned fifty times carries no more state than
after its first return, still completes, and its timeline keeps every round."""
import json

from webapp.engine import pruning
from webapp.extensions import db
from webapp.models import Case, CaseEvent, InboxTask, ProcessInstance

from .helpers import case_at_visit, complete_as

VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}



def _loop(case, round_no):
    complete_as(case, "visit_household", "village1", VISIT)
    complete_as(case, "first_review", "township", {"review_decision": "return", "review_comment": f"第{round_no}次退回"})


def _state(case):
    db.session.expire_all()
    return ProcessInstance.query.filter_by(case_id=case.id).one().state


def _finish(case):
    complete_as(case, "visit_household", "village1", VISIT)
    complete_as(case, "first_review", "township", {"review_decision": "approve", "review_comment": ""})
    complete_as(case, "county_audit_review", "county", {"audit_decision": "approve", "audit_comment": ""})
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_fifty_returns_keep_the_state_of_one_and_the_case_still_completes(county):
    case = case_at_visit()
    _loop(case, 1)
    first = len(_state(case))
    for round_no in range(2, 51):
        _loop(case, round_no)
    state = _state(case)
    assert len(state) <= first * 1.05, (len(state), first)
    assert len(json.loads(state)["subprocesses"]) <= 2  # only the visit now open
    # The timeline keeps every round the state no longer holds.
    returns = CaseEvent.query.filter_by(case_id=case.id, kind="task_completed", task_name="first_review",
                                        decision="return").order_by(CaseEvent.id).all()
    assert len(returns) == 50 and returns[-1].comment == "第50次退回"
    finished = _finish(case)
    assert finished.status == "completed"
    assert ProcessInstance.query.filter_by(case_id=case.id).one().status == "completed"
    assert InboxTask.query.filter_by(case_id=case.id, state="ready").count() == 0


def test_a_state_saved_before_pruning_is_trimmed_on_its_next_save(county, monkeypatch):
    case = case_at_visit()
    _loop(case, 1)
    first = len(_state(case))
    with monkeypatch.context() as patch:
        patch.setattr(pruning, "prune", lambda workflow: 0)  # as main saved it: everything kept
        for round_no in range(2, 8):
            _loop(case, round_no)
    grown = len(_state(case))
    assert grown > first * 3
    _loop(case, 8)  # the first save with pruning trims what the old state carried
    assert len(_state(case)) <= first * 1.05
    assert _finish(case).status == "completed"
