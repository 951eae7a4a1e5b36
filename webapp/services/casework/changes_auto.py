"""Change requests raised automatically from a comparison run's differences, in bulk and idempotently.

A run's differences (``comparison_change``, against the previous run) are read in one joined
query with the person's registry row; each difference that means a registry change becomes one
request with its evidence:

* the person died (the run's reason ``deceased``: register or health file)       → ``death``
* the person moved out, was cancelled, or is gone from the register              → ``move_out``
* an uninsured person now has a basic pension or medical enrollment              → ``scheme``
* a new person in the register who is not in the registry (born lately: birth)   → ``birth`` / ``move_in``

``source_key`` (field, ID number, new value) is unique: the same difference raised again, by a
re-run of the job or by a later run that still shows it, inserts nothing (ON CONFLICT DO NOTHING).
Requests are inserted without their review cases; ``start_pending_reviews`` opens those in slices
(a job), as registration cases are opened for a run's uninsured households.
"""
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ...extensions import db
from ...intake.schemes import BASIC_MEDICAL, BASIC_PENSION, codes_in_mask
from ...models import ChangeRequest, ComparisonChange, ComparisonResult, ComparisonRun, Person, RegistrationRecord
from ...models.base import utcnow
from . import changes

_SLICE = 5000
_GONE_REASONS = {"moved_out": "迁出", "cancelled": "户籍注销"}


def _difference_rows(run):
    """(difference, result after, person, record data) rows of the run, in one query."""
    result = ComparisonResult
    query = (select(ComparisonChange.id_number, ComparisonChange.change, ComparisonChange.before_status,
                    ComparisonChange.after_status, result.reason, result.schemes, result.name, result.household_no,
                    result.in_register, result.county_code, result.township_code, result.village_code,
                    Person.id, Person.name, Person.status, Person.county_code, Person.township_code,
                    Person.village_code, RegistrationRecord.data)
             .select_from(ComparisonChange)
             .outerjoin(result, (result.run_id == run.id) & (result.id_number == ComparisonChange.id_number))
             .outerjoin(Person, Person.id_number == ComparisonChange.id_number)
             .outerjoin(RegistrationRecord, RegistrationRecord.person_id == Person.id)
             .where(ComparisonChange.run_id == run.id)
             .order_by(ComparisonChange.id))
    return db.session.execute(query).yield_per(_SLICE)


def _requests_for(row, run, born_after):
    """The requests one difference means: (kind, field, seen, new, evidence, person area or result area)."""
    (id_number, change, before, after, reason, schemes, r_name, household_no, in_register, r_county,
     r_township, r_village, person_id, p_name, p_status, p_county, p_township, p_village, data) = row
    if person_id is None:
        if change == "appeared" and in_register and r_village:
            kind = "birth" if id_number[6:14] >= born_after else "move_in"
            value = {"id_number": id_number, "name": r_name, "household_number": household_no}
            yield kind, "person", None, value, "户籍登记新增人员", (r_county, r_township, r_village)
        return
    area = (p_county, p_township, p_village)
    if reason == "deceased" and p_status != "deceased":
        yield "death", "status", p_status, "deceased", "比对：户籍或卫健死亡信息显示已死亡", area
    elif reason in _GONE_REASONS and p_status == "normal":
        yield "move_out", "status", p_status, "moved_away", f"比对：户籍显示{_GONE_REASONS[reason]}", area
    elif change == "disappeared" and p_status == "normal":
        yield "move_out", "status", p_status, "moved_away", "比对：本次比对的户籍数据中已无此人", area
    elif before == "uninsured" and after == "confirmed":
        data = data or {}
        enrolled = codes_in_mask(schemes or 0)
        for field, basic in (("pension_scheme", BASIC_PENSION), ("medical_scheme", BASIC_MEDICAL)):
            code = next((c for c in enrolled if c in basic), None)
            if code and not data.get(field):
                yield "scheme", field, data.get(field), code, "比对：参保数据显示已参保", area


def raise_from_run(run_id, actor=None):
    """Raise the run's change requests (without their cases); returns how many are new."""
    run = db.session.get(ComparisonRun, run_id)
    if run is None or run.status != "done":
        raise LookupError(f"comparison run {run_id} is not done")
    born_after = (run.as_of - timedelta(days=366)).strftime("%Y%m%d")
    now, actor_id = utcnow(), getattr(actor, "id", None)
    before = _count_of_run(run.id)
    batch, seen = [], set()
    for row in _difference_rows(run):
        for kind, field, seen_value, new_value, evidence, (county, township, village) in \
                _requests_for(row, run, born_after):
            key = f"{field}:{row[0]}:{new_value['id_number'] if isinstance(new_value, dict) else new_value}"
            if key in seen:
                continue
            seen.add(key)
            name = row[13] or row[6]
            batch.append({"kind": kind, "field": field, "person_id": row[12], "id_number": row[0],
                          "name": (name or "")[:64] or None, "seen_value": seen_value, "new_value": new_value,
                          "reason": f"比对批次 {run.id} 发现的变化", "evidence": evidence, "origin": "comparison",
                          "reviewer_role": changes.reviewer_for("comparison", field), "status": changes.OPEN,
                          "source_key": key, "comparison_run_id": run.id, "raised_by_id": actor_id,
                          "created_at": now, "county_code": county or run.county_code,
                          "township_code": township, "village_code": village})
            if len(batch) >= _SLICE:
                _insert(batch)
                batch = []
    _insert(batch)
    return _count_of_run(run.id) - before


def _count_of_run(run_id):
    return db.session.scalar(select(func.count(ChangeRequest.id)).where(ChangeRequest.comparison_run_id == run_id))


def _insert(rows):
    """Insert ``rows`` whose source_key is new (a re-run reads the keys instead of hitting conflicts).

    ON CONFLICT DO NOTHING stays: two jobs raising the same run at once still insert each key once.
    """
    if not rows:
        return
    known = set(db.session.scalars(select(ChangeRequest.source_key)
                                   .where(ChangeRequest.source_key.in_([r["source_key"] for r in rows]))))
    rows = [r for r in rows if r["source_key"] not in known]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(ChangeRequest.__table__).on_conflict_do_nothing(index_elements=["source_key"])
    db.session.execute(statement, rows)


def start_pending_reviews(limit=200, actor=None, county_code=None):
    """Open review cases for up to ``limit`` raised requests that have none yet; returns how many."""
    query = ChangeRequest.query.filter(ChangeRequest.case_id.is_(None), ChangeRequest.status == changes.OPEN)
    if county_code:
        query = query.filter(ChangeRequest.county_code == county_code)
    started = 0
    for request in query.order_by(ChangeRequest.id).limit(limit).all():
        changes.start_review(request, actor)
        started += 1
    return started
