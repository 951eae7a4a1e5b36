"""infra/new_rows.py: new objects written with Core inserts are the rows a flush would write, and
the objects behave as loaded ones afterwards (and as flushed ones when the transaction rolls back)."""
from datetime import datetime

import pytest

from sqlalchemy import inspect, select

from webapp.extensions import db
from webapp.infra import new_rows
from webapp.models import Area, Case, CaseEvent, DiagramVersion, Household, InboxTask, ProcessInstance

from .helpers import QueryCounter


def _graph(title, payload=..., household=None, rows=2):
    """A case with a timeline line, an instance and ``rows`` inbox rows, as a start builds them."""
    kwargs = {} if payload is ... else {"payload": payload}
    with db.session.no_autoflush:  # a pending household stays pending
        version_id = db.session.execute(select(DiagramVersion.id).limit(1)).scalar()
    case = Case(kind="problem", title=title, county_code="341721", township_code="341721100000", status="open",
                household=household, **kwargs)
    db.session.add(case)
    db.session.add(CaseEvent(case=case, kind="started", at=datetime(2026, 1, 2, 3, 4, 5)))
    instance = ProcessInstance(case=case, diagram_version_id=version_id, serializer_version="x", state="{}",
                               passed={"p": {"completed": ["a"]}})
    db.session.add(instance)
    created = [InboxTask(case=case, instance=instance, diagram_version_id=version_id, task_uuid=f"{title}-{n}",
                         task_name="t", title="任务", process_id="p", lane="agency", county_code="341721",
                         township_code=case.township_code, state="ready") for n in range(rows)]
    db.session.add_all(created)
    return case, instance, created


def _columns(model, object_id):
    table = model.__table__
    nulls = [column.is_(None).label(f"{column.name}_null") for column in table.c]
    row = db.session.execute(select(table, *nulls).where(table.c.id == object_id)).mappings().one()
    return {key: value for key, value in row.items() if key not in ("id", "created_at", "task_uuid", "title",
                                                                        "case_id", "instance_id", "updated_at")}


def test_written_rows_equal_flushed_rows_and_the_objects_are_loaded(county):
    household = Household.query.first()
    flushed = _graph("flushed", household=household)
    db.session.flush()
    fast = _graph("fast", household=household)
    case, instance, created = fast
    assert new_rows.write([[case], case.events, [instance], created]) is True
    # Nothing left to flush; the objects are persistent with their ids, keys and defaults.
    assert not db.session.new and not db.session.dirty
    for obj in (case, case.events[0], instance, *created):
        assert inspect(obj).persistent and obj.id is not None
    assert [row.id for row in created] == [created[0].id, created[0].id + 1]  # in order, one statement
    assert created[1].case_id == case.id and created[1].instance_id == instance.id and instance.version == 1
    assert case.household_id == household.id and created[0].overdue is False
    for model, one, other in ((Case, flushed[0], case), (ProcessInstance, flushed[1], instance),
                              (InboxTask, flushed[2][1], created[1]), (CaseEvent, flushed[0].events[0], case.events[0])):
        assert _columns(model, one.id) == _columns(model, other.id), model
    db.session.commit()
    assert db.session.get(Case, case.id) is case and case.instances == [instance]
    assert _columns(Case, case.id)["payload_null"] is True  # a JSON column never set: SQL NULL


def test_fresh_objects_become_the_rows_constructed_ones_do_flushed_or_written(county):
    constructed = _graph("constructed", rows=1)[2][0]
    db.session.flush()
    for name, written in (("fresh flushed", False), ("fresh written", True)):
        case, instance, _ = _graph(name, rows=0)
        row = new_rows.fresh(InboxTask, diagram_version_id=instance.diagram_version_id, task_uuid=f"{name}-0",
                             task_name="t", title="任务", process_id="p", lane="agency", county_code="341721",
                             township_code=case.township_code, state="ready")
        row.case, row.instance = case, instance
        db.session.add(row)
        if written:
            assert new_rows.write([[case], case.events, [instance], [row]]) is True
        else:
            db.session.flush()  # the ORM's INSERT of it: the case's and the instance's new ids included
        assert row.case_id == case.id and row.instance_id == instance.id and row.overdue is False
        assert _columns(InboxTask, row.id) == _columns(InboxTask, constructed.id), name
    with pytest.raises(TypeError):
        new_rows.fresh(InboxTask, case=case)  # a relationship: set as usual, for its foreign key


def test_postgresql_writes_a_start_in_one_statement(county):
    case, instance, created = _graph("one statement", rows=2)
    db.session.execute(select(1))  # the transaction begun: only the writes are counted
    with QueryCounter(db.engine) as sent:
        assert new_rows.write([[case], case.events, [instance], created])
    if db.engine.dialect.name == "postgresql":
        assert sent.count == 1
    else:
        assert sent.count >= 4  # a statement of its own per table
    assert [row.instance_id for row in created] == [instance.id, instance.id] and created[0].id + 1 == created[1].id
    assert case.events[0].case_id == case.id and instance.case_id == case.id


def test_json_null_is_kept_apart_from_sql_null(county):
    case, instance, created = _graph("json null", payload=None, rows=1)
    assert new_rows.write([[case], case.events, [instance], created])
    db.session.commit()
    assert _columns(Case, case.id)["payload_null"] is False  # explicitly None: JSON null, as the ORM writes


def test_a_parent_without_an_id_leaves_everything_to_the_flush(county):
    area = Area.query.filter_by(level="village").first()
    household = Household(household_number="NEW0001", head_name="户主", county_code=area.county_code,
                          township_code=area.township_code, village_code=area.code, address="地址")
    db.session.add(household)
    case, instance, created = _graph("unready", household=household, rows=1)
    assert new_rows.write([[case], case.events, [instance], created]) is False
    assert inspect(case).pending and inspect(instance).pending
    db.session.commit()
    assert case.household_id == household.id and created[0].case_id == case.id


def test_a_second_write_in_one_transaction_is_left_to_the_flush(county):
    first = _graph("first", rows=1)
    assert new_rows.write([[first[0]], first[0].events, [first[1]], first[2]])
    second = _graph("second", rows=1)
    assert new_rows.write([[second[0]], second[0].events, [second[1]], second[2]]) is False
    assert inspect(second[0]).pending
    db.session.commit()
    third = _graph("third", rows=1)  # a new transaction
    assert new_rows.write([[third[0]], third[0].events, [third[1]], third[2]])
    db.session.commit()
    assert first[0].id < second[0].id < third[0].id


def test_a_rollback_forgets_written_objects_as_it_forgets_flushed_ones(county):
    case, instance, created = _graph("rolled back", rows=1)
    assert new_rows.write([[case], case.events, [instance], created])
    first_id = case.id
    db.session.rollback()
    assert case not in db.session and instance not in db.session and inspect(case).transient
    assert db.session.get(Case, first_id) is None
    # SQLite hands the same id out again: a second write must not meet the first object.
    again, instance, created = _graph("again", rows=1)
    assert new_rows.write([[again], again.events, [instance], created])
    db.session.commit()
    assert db.session.get(Case, again.id).title == "again"


def test_a_savepoint_rollback_forgets_what_was_written_inside_it(county):
    outer = _graph("outer", rows=1)
    db.session.flush()  # the transaction's own work, outside the savepoint
    savepoint = db.session.begin_nested()
    inner = _graph("inner", rows=1)
    assert new_rows.write([[inner[0]], inner[0].events, [inner[1]], inner[2]])
    savepoint.rollback()
    assert inspect(inner[0]).transient and inspect(outer[0]).persistent
    db.session.commit()
    assert db.session.get(Case, outer[0].id).title == "outer" and Case.query.filter_by(title="inner").count() == 0


def test_a_released_savepoint_is_forgotten_with_its_transaction(county):
    db.session.execute(Case.__table__.update().where(Case.id == -1).values(title="x"))  # SQLite: BEGIN first
    with db.session.begin_nested():
        inner = _graph("released", rows=1)
        assert new_rows.write([[inner[0]], inner[0].events, [inner[1]], inner[2]])
    assert inspect(inner[0]).persistent
    db.session.rollback()
    assert inspect(inner[0]).transient and Case.query.filter_by(title="released").count() == 0


def test_upserts_along_run_once_whether_the_rows_are_written_or_left_to_the_flush(county):
    from webapp.models import ProgressTotal
    from webapp.services.campaign import progress

    def total():
        return db.session.execute(select(ProgressTotal.value).where(
            ProgressTotal.measure == "probe_along", ProgressTotal.village_code == "v")).scalar() or 0

    along = progress.bump_statements("341721", "341721100000", "v", "probe_along")
    case, instance, created = _graph("along", rows=1)
    db.session.execute(select(1))  # the transaction begun: only the writes are counted
    with QueryCounter(db.engine) as sent:
        assert new_rows.write([[case], case.events, [instance], created], along) is True
    if db.engine.dialect.name == "postgresql":
        assert sent.count == 1  # the counters in the rows' statement
    assert total() == 1
    second = _graph("along again", rows=1)
    assert new_rows.write([[second[0]], second[0].events, [second[1]], second[2]], along) is False
    assert total() == 2  # run by themselves: the rows are left to the flush
    db.session.commit()
    third = _graph("along to the flush", rows=1)
    assert new_rows.write([[third[0]], third[0].events, [third[1]], third[2]], along, to_flush=True) is False
    assert inspect(third[0]).pending and total() == 3
    db.session.commit()
    assert total() == 3 and second[0].id is not None and third[0].id is not None
