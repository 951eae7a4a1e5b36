"""A completion's new rows (the next inbox rows, the timeline line) are written with prebuilt
INSERTs (infra/new_rows.py, one statement on PostgreSQL) instead of the commit's flush: the rows,
their notifications and the progress counters are the same as the flush wrote."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from webapp import clock
from webapp.extensions import db
from webapp.infra import new_rows
from webapp.models import CaseEvent, Household, InboxTask, Notification, ProgressTotal
from webapp.services.casework import cases, tasks

from .helpers import open_task, user

FROZEN = datetime(2026, 6, 1, 2, 30, tzinfo=timezone.utc)
# Ids and the engine's task ids differ between the two cases; the start's times come from the real clock.
_SKIPPED = {"id", "case_id", "instance_id", "task_uuid", "inbox_task_id", "dedupe_key", "created_at", "due_at",
            "reminder_at"}


def _rows(model, case_id):
    table = model.__table__
    found = db.session.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.id)).mappings()
    return [{key: value for key, value in row.items() if key not in _SKIPPED} for row in found]


def _counters():
    return {(row.township_code, row.village_code, row.measure): row.value
            for row in db.session.execute(select(ProgressTotal)).scalars()}


def _work_a_case(number):
    """Distribute a case to village1, who finds nobody home twice; every step committed on its own.

    Returns the case's inbox rows, timeline, notifications and what the counters gained."""
    before = _counters()
    township, visitor = user("township"), user("village1")
    household = Household(household_number=f"C-{number}", head_name="测试户",
                          county_code="341721", township_code=township.area.code, address="测试地址")
    db.session.add(household)
    db.session.commit()
    case = cases.start_registration_case(household)
    db.session.commit()
    row = open_task(case, "assign_household")
    assert cases.claim(row, township)
    db.session.commit()
    tasks.assign_household(row, township, visitor.area.code, visitor.id)
    db.session.commit()
    for _ in range(2):
        visit = open_task(case, "visit_household")
        tasks.complete_visit(visit, visitor, "not_at_home", date(2026, 6, 1), False, "门锁")
        db.session.commit()
    after = _counters()
    gained = {key: value - before.get(key, 0) for key, value in after.items() if value != before.get(key, 0)}
    return _rows(InboxTask, case.id), _rows(CaseEvent, case.id), _rows(Notification, case.id), gained


@pytest.fixture
def frozen_clock():
    clock.set_now(FROZEN)
    yield
    clock.set_now(None)


def test_completions_write_the_rows_the_flush_wrote(county, monkeypatch, frozen_clock):
    results, write = [], new_rows.write
    monkeypatch.setattr(new_rows, "write",
                        lambda groups, along=None, to_flush=False: results.append(write(groups, along, to_flush))
                        or results[-1])
    written = _work_a_case(1)
    # The start and both visits wrote their rows (the distribution may leave them to the flush:
    # its "assigned" line may still be pending when the counters read the timeline).
    assert results[0] and results[-2:] == [True, True], results
    monkeypatch.setattr(new_rows, "_rows", lambda groups, along: False)  # every new row left to the flush
    flushed = _work_a_case(2)
    for mine, theirs in zip(written, flushed):
        assert mine == theirs, "\n".join(f"{a}\n{b}" for a, b in zip(mine, theirs) if a != b)
    inbox, timeline, notes, gained = written
    assert [r["state"] for r in inbox] == ["completed", "completed", "completed", "ready"]
    assert [r["kind"] for r in timeline].count("task_completed") == 3
    assert [n["kind"] for n in notes] == ["assigned"] and gained
