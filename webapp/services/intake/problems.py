"""Problem data (参保问题数据) from a comparison run, and the cases that handle it.

Each problem of a run becomes a :class:`ProblemRecord` with a key that stays
the same from run to run (problem type + ID number, or the unusable row of a
given file). A problem that already has a case keeps it: the next run copies
the case link instead of opening a second case. Cases run the
``problem_data`` process in the agency lane; closing it marks the record
resolved (see :func:`close_problem_record`).
"""
from __future__ import annotations

from sqlalchemy import select

from ...areacodes import codes_of_village
from ...extensions import db
from ...idnumber import mask_id
from ...intake.compare import PROBLEM_LABELS
from ...intake.mapping import SOURCES
from ...models import Area, ProblemRecord
from ..casework import cases
from ...infra.bulk import insert_rows
from ...labels import ID_ERRORS_ZH as _ID_ERRORS


def _source_label(source):
    return SOURCES[source].label if source in SOURCES else source

PROBLEM_PROCESS = "problem_data"
_INSERT_BATCH = 5000


def _earlier_cases(county_code: str) -> dict[str, tuple]:
    """{key: (case_id, status, outcome)} of the latest earlier record of each key with a case."""
    rows = db.session.execute(
        select(ProblemRecord.key, ProblemRecord.case_id, ProblemRecord.status, ProblemRecord.outcome)
        .where(ProblemRecord.county_code == county_code, ProblemRecord.case_id.is_not(None))
        .order_by(ProblemRecord.id))
    return {key: (case_id, status, outcome) for key, case_id, status, outcome in rows}


def write_problem_records(run, result, batches: dict, area_of: dict) -> int:
    """Store the run's problems (people and unusable-ID rows); returns how many.

    ``batches`` (the run's, by id) is kept in the signature for callers; keys need no batch.
    """
    earlier = _earlier_cases(run.county_code)
    rows = []

    def add(key, problem_type, id_number, name, detail, village_code, batch_id=None, row=None, id_raw=None):
        county, township, village = codes_of_village(village_code, run.county_code)
        case_id, status, outcome = earlier.get(key, (None, "open", None))
        rows.append({"run_id": run.id, "key": key[:160], "problem_type": problem_type, "id_number": id_number,
                     "name": (name or "")[:64] or None, "detail": (detail or "")[:512] or None,
                     "batch_id": batch_id, "row_number": row, "id_raw": id_raw, "status": status,
                     "outcome": outcome, "case_id": case_id, "county_code": county,
                     "township_code": township, "village_code": village})

    for person in result.people:
        for problem, detail in zip(person.problems, person.details):
            add(f"{problem}:{person.id_number}", problem, person.id_number, person.name, detail,
                area_of.get(person.id_number))
    for record in result.invalid_ids:
        # Keyed by the row's content, not the file's hash: a re-saved copy of the file (another
        # encoding, another hash) supersedes its batch and must find the same problems and cases.
        add(f"invalid_id:{record.source}:{record.row}:{record.id_raw}", "invalid_id", None, record.name,
            f"{PROBLEM_LABELS['invalid_id']}（{'、'.join(_ID_ERRORS.get(c, c) for c in record.error_codes)}）："
            f"{mask_id(record.id_raw)}，{_source_label(record.source)} 第 {record.row} 行", None, record.batch_id, record.row, record.id_raw[:64])
    insert_rows(ProblemRecord, rows)
    return len(rows)


def _area_for(record: ProblemRecord) -> Area:
    for code in (record.village_code, record.township_code, f"{record.county_code}000000"):
        if code:
            area = Area.query.filter_by(code=code).one_or_none()
            if area is not None:
                return area
    raise LookupError(f"no area for problem record {record.id}")


def start_problem_cases(run_id: int, actor=None, limit: int | None = None) -> int:
    """Open a ``problem_data`` case for each open problem of the run without one.

    Returns how many were started; call again (e.g. from a bulk job) until 0.
    """
    query = (ProblemRecord.query.filter_by(run_id=run_id, status="open", case_id=None)
             .order_by(ProblemRecord.id))
    if limit:
        query = query.limit(limit)
    started = 0
    for record in query.all():
        label = PROBLEM_LABELS.get(record.problem_type, record.problem_type)
        who = record.name or ""
        title = f"{label}：{who} {mask_id(record.id_number or record.id_raw)}".strip()
        case = cases.start_case(
            "problem", PROBLEM_PROCESS, title[:256], _area_for(record), actor=actor,
            payload={"problem_record_id": record.id, "problem_type": record.problem_type,
                     "detail": record.detail, "run_id": run_id},
            data={"problem_record_id": record.id, "problem_type": record.problem_type})
        db.session.flush()
        record.case_id, record.status = case.id, "in_case"
        started += 1
    return started


def close_problem_record(case, outcome: str | None) -> int:
    """Mark the problem records handled by ``case`` resolved with ``outcome``; returns how many."""
    records = ProblemRecord.query.filter_by(case_id=case.id).all()
    for record in records:
        record.status, record.outcome = "resolved", outcome
    return len(records)
