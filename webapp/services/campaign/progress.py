"""Keeping the campaign's progress figures as work happens (design invariant 16).

Every function here is called by the service that changes state, inside its transaction, so a
figure and the work it counts commit or roll back together:

* ``case_started_counts`` cases.start_registration_case   -> ``target`` (written with the start's rows)
* ``task_completed``    cases.complete                     -> funnel stages, reviews, returns
* ``case_placed``       tasks.assign_household             -> moves ``target`` to the village
* ``tasks_escalated``   timers._record_escalations         -> ``overdue`` (+1)
* ``overdue_cleared``   supervision.change_due, the engine's cancel and migration -> ``overdue`` (-1)
* ``registered``        operations.registry_apply          -> ``registered``, coverage gains
* ``snapshot_coverage`` intake_runs.run_comparison (done)  -> one coverage row per village
* ``enrolled.record_run`` intake_runs.run_comparison (done) -> ``enrolled_next`` (people, not households)

Funnel measures count each case once, the first time it reaches the stage (a case that goes
round after a return is not visited twice); ``reviews`` and ``returned`` count every decision,
which is what a return rate is made of. ``enrolled_next`` ends the funnel with people: those a
comparison run found uninsured and a later run shows enrolled (services.campaign.enrolled).
"""
from datetime import date
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, case as sql_case, func, or_, select, update

from ... import clock, form_kinds
from ..casework import steps
from ...extensions import db
from ...infra import upserts
from ...intake.compare import CONFIRMED, UNINSURED
from ...intake.schemes import PENSION_MASK
from ...models import CaseEvent, ComparisonResult, ComparisonRun, CoverageSnapshot, ProgressDaily, ProgressTotal

FUNNEL = ("target", "distributed", "visited", "first_reviewed", "audited", "registered", "enrolled_next")
MEASURES = FUNNEL + ("reviews", "returned", "overdue")
# Which step reaches which funnel stage is its diagram's ``progress_stage`` property (a decision
# that sends work back reaches none); the steps of these stages are the reviews a return rate counts.
REVIEW_STAGES = ("first_reviewed", "audited")


def local_day(moment=None) -> date:
    """The campaign's calendar day (the county's time zone) of ``moment`` (default: now)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return (moment or clock.now()).astimezone(zone).date()


def upsert(model, keys, updated, inserted=(), add=False):
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` for ``model``, every value bound by its column's name.

    ``keys`` and ``inserted`` are only inserted; on conflict the ``updated`` columns take the new
    values or, with ``add``, are increased by them (``value = value + excluded.value``). Compiled
    once per database kind (``infra.upserts``).
    """
    return upserts.on_conflict(db.session.get_bind(), model.__table__, keys, updated, inserted, add)


_DAILY_KEYS = ("county_code", "township_code", "day", "measure")
_TOTAL_KEYS = ("county_code", "township_code", "village_code", "measure")


def bump(county_code, township_code, village_code, measure, delta=1, day=None, total=True):
    """Add ``delta`` to ``measure`` for the area, in the day's row and (``total``) the running total.

    An upsert (``ON CONFLICT ... DO UPDATE value = value + delta``): concurrent writers of the
    same key wait on the row instead of losing each other's count.
    """
    if not total:
        values = {"county_code": county_code, "township_code": township_code or "", "day": day or local_day(),
                  "measure": measure, "value": delta}
        db.session.execute(upsert(ProgressDaily, _DAILY_KEYS, ("value",), add=True), values)
        return
    # The day's row, then the total: one statement on PostgreSQL (one round trip, same order).
    upserts.execute_together(db.session, *bump_statements(county_code, township_code, village_code, measure,
                                                          delta, day))


def bump_statements(county_code, township_code, village_code, measure, delta=1, day=None):
    """(upserts, values) of :func:`bump` with the total, for ``upserts.execute_together`` or for a
    statement that writes them along with its own rows (``new_rows.write``'s ``along``)."""
    values = {"county_code": county_code, "township_code": township_code or "", "day": day or local_day(),
              "measure": measure, "value": delta, "village_code": village_code or ""}
    return (upsert(ProgressDaily, _DAILY_KEYS, ("value",), add=True), _total_upsert()), values


def _total_upsert():
    return upsert(ProgressTotal, _TOTAL_KEYS, ("value",), add=True)


def _bump_total(county_code, township, village, measure, delta):
    db.session.execute(_total_upsert(),
                       {"county_code": county_code, "township_code": township, "village_code": village,
                        "measure": measure, "value": delta})


def _case_bump(case, measure, delta=1):
    bump(case.county_code, case.township_code, case.village_code, measure, delta)


def case_started_counts(case):
    """A registration case was opened: one more target household.

    Returns the counters' (upserts, values) for the start to write along with its new rows (one
    statement on PostgreSQL, ``new_rows.write``), which runs them exactly once in its transaction.
    """
    return bump_statements(case.county_code, case.township_code, case.village_code, "target")


def case_placed(case, old_village_code):
    """The distribution placed a case in a village: its ``target`` moves there (totals only).

    The day's row is per township and stays; other measures are counted after placement.
    """
    if (old_village_code or "") == (case.village_code or ""):
        return
    township = case.township_code or ""
    _bump_total(case.county_code, township, old_village_code or "", "target", -1)
    _bump_total(case.county_code, township, case.village_code or "", "target", 1)


def task_completed(case, row, decision):
    """A task of a registration case was completed with ``decision``: stage, review, return."""
    if case.kind != "registration":
        if row.overdue:
            _row_bump(row, "overdue", -1)
        return
    stage = steps.step_option(row, "progress_stage")
    form_kind, _step = form_kinds.kind_of(row)
    form = form_kind.code if form_kind is not None else None
    if stage and steps.moves_on(form, decision) and not _reached_before(case, stage, decision):
        _case_bump(case, stage)
    if stage in REVIEW_STAGES:
        _case_bump(case, "reviews")
        if not steps.moves_on(form, decision):
            _case_bump(case, "returned")
    if row.overdue:
        _row_bump(row, "overdue", -1)


def _reached_before(case, stage, decision):
    """Whether an earlier completion of a step of ``stage`` already moved the case on."""
    task_names = [task_id for task_id, (each, form) in steps.stages().items()
                  if each == stage and steps.moves_on(form, decision)]
    condition = [CaseEvent.case_id == case.id, CaseEvent.kind == "task_completed",
                 CaseEvent.task_name.in_(task_names)]
    if decision is not None:
        condition.append(CaseEvent.decision == decision)
    return db.session.query(select(CaseEvent.id).where(*condition).exists()).scalar()


def _row_bump(row, measure, delta):
    # Overdue work is counted where the task row says (its area when it became overdue).
    bump(row.county_code, row.township_code, row.village_code, measure, delta)


def overdue_cleared(row):
    """An overdue open row stops counting: a later deadline, or the engine cancelled the task."""
    if row.overdue:
        _row_bump(row, "overdue", -1)


def tasks_escalated(claimed):
    """Rows that just became overdue (tuples with the area codes of their inbox rows).

    One upsert per area, in code order: two sweepers running at once take the counter rows in
    the same order, so they wait for each other instead of deadlocking.
    """
    per_area = {}
    for item in claimed:
        key = (item.county_code, item.township_code or "", item.village_code or "")
        per_area[key] = per_area.get(key, 0) + 1
    for (county_code, township_code, village_code), count in sorted(per_area.items()):
        bump(county_code, township_code, village_code, "overdue", count)


def registered(case, forms):
    """An audited case's forms entered the registry: the case is registered; gaps are closed.

    A form closes a pension (medical) gap when the latest comparison found the person missing
    it and the form names a scheme; the gain goes to that run's coverage row of the person's village.
    """
    _case_bump(case, "registered")
    run_id = latest_run_id(case.county_code)
    if run_id is None:
        return
    ids = [form.id_number for form in forms]
    if not ids:
        return
    rows = db.session.execute(select(ComparisonResult.id_number, ComparisonResult.missing,
                                     ComparisonResult.township_code, ComparisonResult.village_code)
                              .where(ComparisonResult.run_id == run_id, ComparisonResult.id_number.in_(ids)))
    found = {r.id_number: r for r in rows}
    for form in forms:
        result = found.get(form.id_number)
        if result is None or not result.missing:
            continue
        missing = result.missing.split(";")
        data = form.data or {}
        pension = int("pension" in missing and bool(data.get("pension_scheme")))
        medical = int("medical" in missing and bool(data.get("medical_scheme")))
        if pension or medical:
            db.session.execute(update(CoverageSnapshot).where(
                CoverageSnapshot.run_id == run_id, CoverageSnapshot.township_code == (result.township_code or ""),
                CoverageSnapshot.village_code == (result.village_code or ""))
                .values(pension_gain=CoverageSnapshot.pension_gain + pension,
                        medical_gain=CoverageSnapshot.medical_gain + medical))


def latest_run_id(county_code):
    """The county's latest finished comparison run (the baseline "now" counts from)."""
    return db.session.execute(select(func.max(ComparisonRun.id)).where(
        ComparisonRun.county_code == county_code, ComparisonRun.status == "done")).scalar()


def first_run_id(county_code):
    """The county's first finished comparison run (coverage before the campaign)."""
    return db.session.execute(select(func.min(ComparisonRun.id)).where(
        ComparisonRun.county_code == county_code, ComparisonRun.status == "done")).scalar()


def snapshot_coverage(run):
    """Write the run's coverage per village: one grouped pass over its results, in the run's job.

    Targets are confirmed and uninsured people (problems are counted by their own pages). Medical
    insurance is required of every target; pension of those the comparison found missing it or
    holding it (here or elsewhere): under-age people and students without one are neither.
    """
    db.session.execute(CoverageSnapshot.__table__.delete().where(CoverageSnapshot.run_id == run.id))
    r = ComparisonResult
    no_pension = r.missing.like("%pension%")
    no_medical = r.missing.like("%medical%")
    holds_pension = or_(r.schemes.op("&")(PENSION_MASK) != 0, r.insured_elsewhere.is_(True))
    rows = db.session.execute(
        select(r.township_code, r.village_code, func.count(),
               func.sum(sql_case((or_(no_pension, holds_pension), 1), else_=0)),
               func.sum(sql_case((and_(holds_pension, ~no_pension), 1), else_=0)),
               func.sum(sql_case((~no_medical, 1), else_=0)))
        .where(r.run_id == run.id, r.status.in_((CONFIRMED, UNINSURED)))
        .group_by(r.township_code, r.village_code)).all()
    values = [{"run_id": run.id, "county_code": run.county_code, "township_code": t or "", "village_code": v or "",
               "targets": n, "pension_required": int(req or 0), "pension_covered": int(pc or 0),
               "medical_covered": int(mc or 0), "pension_gain": 0, "medical_gain": 0}
              for t, v, n, req, pc, mc in rows]
    if values:
        db.session.execute(CoverageSnapshot.__table__.insert(), values)
    return len(values)
