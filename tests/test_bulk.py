"""Bulk inserts (COPY on PostgreSQL, the driver's executemany on SQLite) store values exactly."""
from datetime import date

from webapp.extensions import db
from webapp.models import ComparisonResult, ComparisonRun
from webapp.infra.bulk import insert_rows, insert_tuples

COLUMNS = ["run_id", "id_number", "status", "problems", "missing", "reason", "name", "address", "in_register",
           "non_local", "insured_elsewhere", "schemes", "county_code", "village_code"]
AWKWARD = ["制表\t符", "换行\n与回车\r", "反斜杠\\N", "\\", "", None, "普通文字"]


def _run():
    run = ComparisonRun(status="running", county_code="341721", as_of=date(2017, 6, 30), batch_ids=[])
    db.session.add(run)
    db.session.flush()
    return run


def _stored(run):
    return {r.id_number: r for r in ComparisonResult.query.filter_by(run_id=run.id)}


def test_tuples_keep_tabs_newlines_backslashes_empty_text_and_nulls(app):
    run = _run()
    rows = [(run.id, f"34172119700101{n:04d}", "confirmed", "", "", None, text, text, n % 2 == 0, False, n % 3 == 0,
             n * 7, "341721", None if n % 2 else "341721100201") for n, text in enumerate(AWKWARD)]
    insert_tuples(ComparisonResult, COLUMNS, rows)
    db.session.commit()
    stored = _stored(run)
    for n, text in enumerate(AWKWARD):
        row = stored[f"34172119700101{n:04d}"]
        assert (row.name, row.address) == (text, text)
        assert (row.in_register, row.insured_elsewhere, row.schemes) == (n % 2 == 0, n % 3 == 0, n * 7)
        assert row.village_code == (None if n % 2 else "341721100201") and row.reason is None


def test_plain_text_columns_take_the_fast_path_and_still_round_trip(app):
    run = _run()
    rows = [(run.id, f"34172119800101{n:04d}", "uninsured", "", "medical", None, f"张{n}", None, True, False, False,
             0, "341721", "341721100201") for n in range(3000)]
    insert_tuples(ComparisonResult, COLUMNS, rows)
    db.session.commit()
    stored = _stored(run)
    assert len(stored) == 3000
    assert stored["341721198001012999"].name == "张2999" and stored["341721198001012999"].address is None
    assert stored["341721198001010000"].problems == "" and stored["341721198001010000"].missing == "medical"


def test_dicts_take_the_same_path(app):
    run = _run()
    insert_rows(ComparisonResult, [dict(zip(COLUMNS, (run.id, "341721197001010011", "problem", "name_conflict", "",
                                                      "moved_out", "甲\t乙", "x\\y", True, True, True, 1, "341721",
                                                      None)))])
    db.session.commit()
    row = _stored(run)["341721197001010011"]
    assert (row.name, row.address, row.reason, row.non_local) == ("甲\t乙", "x\\y", "moved_out", True)
