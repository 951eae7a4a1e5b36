"""A completion writes its instance and completed row with version-checked statements (issue 11).

The instance row and the completed inbox row are written as soon as the step is saved, and the
new rows by the service after it, so the commit flushes nothing; a lost race still raises EngineConflict and leaves nothing,
and a step whose state cannot be saved leaves the task open and the old state in place.
"""
import pytest
from sqlalchemy import text

from webapp import engine
from webapp.engine import completion, operations, runtime, saving
from webapp.extensions import db
from webapp.infra import new_rows
from webapp.models import Case, InboxTask, ProcessInstance
from webapp.services.casework import assignment, cases

from .helpers import case_at_visit, open_task, user

NOT_AT_HOME = {"visit_result": "not_at_home", "visit_comment": ""}


def test_a_completion_leaves_only_new_rows_for_the_commit(county):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    version = row.instance.version
    created = cases.complete(row, user("village1"), NOT_AT_HOME)
    # The instance, the case, the completed row, the next inbox row and the timeline line are
    # written already (the new rows by infra/new_rows.py): the commit has nothing to flush.
    assert not db.session.dirty, db.session.dirty
    assert not db.session.new, db.session.new
    db.session.commit()
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, row.instance_id)
    assert instance.version == version + 1
    done = db.session.get(InboxTask, row.id)
    assert (done.state, done.completed_by.username) == ("completed", "village1")
    assert done.completed_at is not None
    assert [new.task_name for new in created] == ["visit_household"]
    assert open_task(case, "visit_household").id == created[0].id
    assert db.session.get(Case, case.id).events[-1].kind == "task_completed"


# What a second writer's commit looks like to this one (SQLite has no row lock to wait on): it saved
# the instance, or completed the task's row (on PostgreSQL the completion's UPDATE of that row goes
# with the instance's, its check that the row was still ready with it).
OTHER_WRITES = {"the instance": "UPDATE process_instance SET version = version + 1 WHERE id = :instance",
                "the task's row": "UPDATE inbox_task SET state = 'completed' WHERE id = :row"}


@pytest.mark.parametrize("other_wrote", sorted(OTHER_WRITES))
@pytest.mark.parametrize("rows_written", ["with the instance", "by the flush"])
def test_a_row_changed_by_another_writer_is_a_lost_race(county, monkeypatch, rows_written, other_wrote):
    # PostgreSQL writes the instance with the new rows (one statement) or, when they are left to
    # the flush, by itself; SQLite at once. Each checks the version it read.
    if rows_written == "by the flush":
        monkeypatch.setattr(new_rows, "_rows", lambda groups, along: False)
    case = case_at_visit()
    row = open_task(case, "visit_household")
    version = row.instance.version
    load_workflow = runtime.load_workflow

    def another_writer_first(instance):
        db.session.execute(text(OTHER_WRITES[other_wrote]), {"instance": instance.id, "row": row.id})
        return load_workflow(instance)

    monkeypatch.setattr(completion, "load_workflow", another_writer_first)
    monkeypatch.setattr(completion.kept, "take", lambda *_: None)  # read from the stored state, as patched
    with pytest.raises(engine.EngineConflict):
        cases.complete(row, user("village1"), NOT_AT_HOME)
    db.session.rollback()  # the other write was this transaction's here: gone too
    assert open_task(case, "visit_household").id == row.id  # still open, nothing else written
    assert InboxTask.query.filter_by(case_id=case.id, state="ready").count() == 1
    assert db.session.get(ProcessInstance, row.instance_id).version == version


def test_a_step_that_cannot_be_saved_leaves_the_task_open(county, monkeypatch):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    before = row.instance.state

    def unsaveable(workflow):
        raise TypeError("not JSON serializable")

    monkeypatch.setattr(saving, "dump_state", unsaveable)
    cases.complete(row, user("village1"), NOT_AT_HOME)
    db.session.commit()
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, row.instance_id)
    assert instance.status == "incident" and instance.state == before
    again = db.session.get(InboxTask, row.id)
    assert (again.state, again.completed_by_id, again.completed_at) == ("ready", None, None)


def test_what_a_completion_reads_sees_the_task_completed(county):
    # The assigner of the next rows (who did this step last) reads the inbox: the completed row is
    # there as completed, though on PostgreSQL its UPDATE is deferred to go with the instance's.
    case = case_at_visit()
    row = open_task(case, "visit_household")
    seen = []

    def reading_assigner(new_row, new_case, first_time=False):
        seen.append(db.session.execute(text("SELECT state FROM inbox_task WHERE id = :id"),
                                       {"id": row.id}).scalar())
        return assignment.assign_new_task(new_row, new_case, first_time=first_time)

    operations.register_assigner(reading_assigner)
    try:
        cases.complete(row, user("village1"), NOT_AT_HOME)
    finally:
        operations.register_assigner(assignment.assign_new_task)
    db.session.commit()
    assert seen == ["completed"]
    assert db.session.get(InboxTask, row.id).state == "completed"
