"""Workflows kept in memory after a committed completion (engine/kept.py).

The shortcut is compared with the plain path (the state read from the database) step by step
through a registration case with returns; it is taken only at the version it was saved as; a
rolled-back completion leaves nothing kept; threads never share a kept workflow; the number kept
is bounded.
"""
import itertools
import json
import threading
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from webapp import clock
from webapp.engine import completion, kept
from webapp.extensions import db
from webapp.models import InboxTask, Person, ProcessInstance
from webapp.services.casework import cases, tasks

from .helpers import case_at_visit, open_task, registration_form_data, user

NOT_AT_HOME = {"visit_result": "not_at_home", "visit_comment": ""}


@pytest.fixture
def taken(monkeypatch):
    """Counts of completions that started from a kept workflow and from the stored state."""
    counts = {"kept": 0, "stored": 0}
    take, load = kept.take, completion.load_workflow

    def counted_take(instance_id, version):
        found = take(instance_id, version)
        counts["kept" if found is not None else "stored"] += 1
        return found

    monkeypatch.setattr(kept, "take", counted_take)
    monkeypatch.setattr(completion, "load_workflow", load)
    return counts


def _without_times(value):
    """The stored state without SpiffWorkflow's wall-clock stamps (they differ from run to run)."""
    if isinstance(value, dict):
        return {key: _without_times(item) for key, item in value.items() if key != "last_state_change"}
    if isinstance(value, list):
        return [_without_times(item) for item in value]
    return value


def _saved(case):
    """What a completion left: the instance's columns and the case's open inbox rows."""
    db.session.flush()  # a second completion in one transaction leaves its new rows to the flush
    instance = db.session.execute(text("SELECT state, status, next_timer_at, passed, version FROM process_instance "
                                       "WHERE case_id = :id"), {"id": case.id}).one()
    rows = db.session.execute(text("SELECT task_uuid, task_name, assignee_id, due_at, reminder_at, return_reason "
                                   "FROM inbox_task WHERE case_id = :id AND state = 'ready' ORDER BY task_uuid"),
                              {"id": case.id}).all()
    return (_without_times(json.loads(instance.state)), instance.status, str(instance.next_timer_at),
            instance.passed if isinstance(instance.passed, (dict, type(None))) else json.loads(instance.passed),
            instance.version, [tuple(map(str, row)) for row in rows])


def _fill_forms(case, row):
    for person in Person.query.filter_by(household_id=case.household_id):
        form = registration_form_data(person)
        tasks.save_registration_form(row, user("village1"), person.id_number, person.name,
                                     {key: value for key, value in form.items() if key not in ("name", "id_number")},
                                     person=person)


# (step, who, how): a visit not at home twice, a return from the first review, then through.
STEPS = [
    ("visit_household", "village1", lambda row, who: tasks.complete_visit(
        row, who, "not_at_home", datetime(2026, 6, 1).date(), False, "")),
    ("visit_household", "village1", lambda row, who: tasks.complete_visit(
        row, who, "completed", datetime(2026, 6, 2).date(), True, "")),
    ("first_review", "township", lambda row, who: tasks.complete_review(row, who, "return", "电话缺失")),
    ("visit_household", "village1", lambda row, who: tasks.complete_visit(
        row, who, "completed", datetime(2026, 6, 3).date(), True, "")),
    ("first_review", "township", lambda row, who: tasks.complete_review(row, who, "approve", "")),
    ("county_audit_review", "county", lambda row, who: tasks.complete_review(row, who, "approve", "")),
]


def test_each_completion_from_a_kept_workflow_saves_what_the_stored_state_would(county, taken, monkeypatch):
    clock.set_now(datetime(2026, 6, 1, 8, 0, tzinfo=timezone.utc))  # the timers' due times: the same in both runs
    try:
        case = case_at_visit()
        _fill_forms(case, open_task(case, "visit_household"))
        db.session.commit()
        for number, (task_name, who, complete) in enumerate(STEPS):
            outcomes = []
            for from_kept in (False, True):
                # The same task ids in both runs: SpiffWorkflow's uuid4, counted from the step.
                ids = itertools.count(number * 1000 + 1)
                monkeypatch.setattr("SpiffWorkflow.task.uuid4", lambda: uuid.UUID(int=next(ids)))
                row = open_task(case, task_name)
                actor = user(who)
                if row.assignee_id is None:
                    assert cases.claim(row, actor)
                before = dict(taken)
                if from_kept:
                    complete(row, actor)
                    outcomes.append(_saved(case))
                    db.session.commit()
                    assert taken["kept"] == before["kept"] + 1, (task_name, taken)  # the shortcut was taken
                else:
                    savepoint = db.session.begin_nested()
                    with monkeypatch.context() as plain:
                        plain.setattr(kept, "take", lambda *_: None)  # the plain path: the stored state
                        complete(row, actor)
                    outcomes.append(_saved(case))
                    savepoint.rollback()
            assert outcomes[0] == outcomes[1], task_name
        db.session.expire_all()
        assert case.status == "completed"
    finally:
        clock.set_now(None)


def test_a_rolled_back_completion_leaves_nothing_kept(county, taken):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    instance_id = row.instance_id
    cases.complete(row, user("village1"), NOT_AT_HOME)
    db.session.rollback()  # e.g. a later step of the request failed
    db.session.expire_all()
    version = db.session.get(ProcessInstance, instance_id).version
    assert kept.kept_count() == 0
    # Neither the rolled-back version nor the one before it is kept: the next completion reads
    # the stored state (the assignment's kept workflow was taken by the rolled-back attempt).
    row = open_task(case, "visit_household")
    cases.complete(row, user("village1"), NOT_AT_HOME)
    db.session.commit()
    assert taken["stored"] >= 1 and db.session.get(ProcessInstance, instance_id).version == version + 1
    # And the committed one is kept for the next.
    before = taken["kept"]
    cases.complete(open_task(case, "visit_household"), user("village1"), NOT_AT_HOME)
    db.session.commit()
    assert taken["kept"] == before + 1
    assert InboxTask.query.filter_by(case_id=case.id, task_name="visit_household", state="ready").count() == 1


def test_a_version_saved_by_another_process_is_not_taken_from_memory(county, taken):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    cases.complete(row, user("village1"), NOT_AT_HOME)
    db.session.commit()
    # Another process (a timer sweep, another worker) saves the instance: a new version.
    db.session.execute(text("UPDATE process_instance SET version = version + 1 WHERE case_id = :id"), {"id": case.id})
    db.session.commit()
    before = dict(taken)
    cases.complete(open_task(case, "visit_household"), user("village1"), NOT_AT_HOME)
    db.session.commit()
    assert taken == {"kept": before["kept"], "stored": before["stored"] + 1}
    assert InboxTask.query.filter_by(case_id=case.id, task_name="visit_household", state="ready").count() == 1


def test_threads_never_share_a_kept_workflow(county):
    kept.clear()
    session = db.session()
    kept.keep_after_commit(session, 1, 5, _Bare())
    db.session.commit()
    got, barrier = [], threading.Barrier(8)

    def take():
        barrier.wait()
        got.append(kept.take(1, 5))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([each for each in got if each is not None]) == 1
    assert kept.kept_count() == 0


def test_threads_keeping_and_taking_at_once_stay_within_the_bound(county):
    kept.clear()
    county.config["ENGINE_KEPT_WORKFLOWS"] = 16
    errors = []

    def work(offset):
        try:
            with county.app_context():
                for number in range(200):
                    instance_id = offset * 1000 + number
                    kept.keep_after_commit(db.session(), instance_id, 1, _Bare())
                    db.session.commit()
                    found = kept.take(instance_id, 1)
                    if found is not None and kept.take(instance_id, 1) is not None:
                        errors.append("taken twice")
                db.session.remove()
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for number in range(40):
        kept.keep_after_commit(db.session(), number, 1, _Bare())
    db.session.commit()
    assert kept.kept_count() == 16
    assert kept.take(39, 1) is not None and kept.take(0, 1) is None  # the oldest went first


class _Bare:
    """The least a workflow shows ``kept``: no data, no subprocesses, no waiting events."""

    def __init__(self):
        self.bpmn_events, self.data, self.tasks, self.subprocesses = [], {}, {}, {}
        self.event_manager = type("Events", (), {"tasks": {}})()


def test_what_would_not_read_back_the_same_is_not_kept(county):
    """A tuple comes back from JSON as a list, an integer key as text; a huge state costs memory."""
    kept.clear()
    for instance_id, data in enumerate([{"pair": (1, 2)}, {"nested": [{"at": {1: "x"}}]}, {"ok": [1, "a", None]}]):
        workflow = _Bare()
        workflow.data = data
        kept.keep_after_commit(db.session(), instance_id, 1, workflow)
    kept.keep_after_commit(db.session(), 9, 1, _Bare(), state_chars=kept.MAX_STATE_CHARS + 1)
    db.session.commit()
    assert [kept.take(instance_id, 1) is not None for instance_id in (0, 1, 2, 9)] == [False, False, True, False]
