"""Rebuilding the kept progress figures of a county from the cases, timelines and inbox.

The services keep the figures as work happens (services.progress); this is for a database
that had cases before the counters existed (run once after migration 0015), or to repair
after a manual data fix: ``flask progress rebuild``. It reads every case and event of the
county once, so it is a job, never a request. The rules are the same as services.progress:
a funnel stage counts a case the first time it reached it, on that day.
"""
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, select

from ...extensions import db
from ...models import (Case, CaseEvent, ComparisonRun, CoverageSnapshot, EnrolledAfterRun, InboxTask, ProgressDaily,
                       ProgressTotal)
from ...infra.bulk import insert_tuples
from ..casework import steps
from .progress import REVIEW_STAGES, snapshot_coverage


def rebuild(county_code):
    """Replace the county's daily and total figures by a fresh count; returns {measure: total}."""
    zone, utc = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")), ZoneInfo("UTC")
    day_of = lambda at: at.replace(tzinfo=utc).astimezone(zone).date()  # noqa: E731
    daily, totals = {}, {}

    def add(township, village, day, measure, delta=1):
        key = (township or "", day, measure)
        daily[key] = daily.get(key, 0) + delta
        key = (township or "", village or "", measure)
        totals[key] = totals.get(key, 0) + delta

    areas = {}
    for case_id, township, village, created in db.session.execute(
            select(Case.id, Case.township_code, Case.village_code, Case.created_at)
            .where(Case.county_code == county_code, Case.kind == "registration")):
        areas[case_id] = (township, village)
        add(township, village, day_of(created), "target")
    reached = set()
    stage_of = steps.stages()  # {task id: (funnel stage, form kind)} from the diagrams
    events = db.session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.task_name, CaseEvent.decision, CaseEvent.at)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.county_code == county_code, Case.kind == "registration")
        .order_by(CaseEvent.at, CaseEvent.id))
    for case_id, kind, task_name, decision, at in events:
        township, village = areas[case_id]
        if kind == "registry_applied":
            stage = "registered"
        elif kind == "task_completed":
            stage, form = stage_of.get(task_name, (None, None))
            if stage in REVIEW_STAGES:
                add(township, village, day_of(at), "reviews")
                if not steps.moves_on(form, decision):
                    add(township, village, day_of(at), "returned")
            if not steps.moves_on(form, decision):
                stage = None
        else:
            continue
        if stage and (case_id, stage) not in reached:
            reached.add((case_id, stage))
            add(township, village, day_of(at), stage)
    # Overdue work now: dated the day its deadline passed (the history of finished late work is lost).
    for township, village, due in db.session.execute(
            select(InboxTask.township_code, InboxTask.village_code, InboxTask.due_at)
            .where(InboxTask.county_code == county_code, InboxTask.state == "ready", InboxTask.overdue.is_(True))):
        add(township, village, day_of(due) if due else None, "overdue")
    # People enrolled at a later comparison: dated the day the run that showed them enrolled finished.
    for township, village, finished in db.session.execute(
            select(EnrolledAfterRun.township_code, EnrolledAfterRun.village_code, ComparisonRun.finished_at)
            .join(ComparisonRun, ComparisonRun.id == EnrolledAfterRun.enrolled_run_id)
            .where(EnrolledAfterRun.county_code == county_code)):
        add(township, village, day_of(finished) if finished else None, "enrolled_next")
    db.session.execute(delete(ProgressDaily).where(ProgressDaily.county_code == county_code))
    db.session.execute(delete(ProgressTotal).where(ProgressTotal.county_code == county_code))
    insert_tuples(ProgressDaily, ["county_code", "township_code", "day", "measure", "value"],
                  [(county_code, t, d, m, v) for (t, d, m), v in daily.items() if d is not None])
    insert_tuples(ProgressTotal, ["county_code", "township_code", "village_code", "measure", "value"],
                  [(county_code, t, v, m, n) for (t, v, m), n in totals.items()])
    result = {}
    for (_, _, measure), value in totals.items():
        result[measure] = result.get(measure, 0) + value
    return result


def snapshot_missing_runs(county_code):
    """Coverage rows for finished comparison runs that have none (runs from before migration 0015)."""
    done = 0
    for run in ComparisonRun.query.filter_by(county_code=county_code, status="done").order_by(ComparisonRun.id):
        if not CoverageSnapshot.query.filter_by(run_id=run.id).first():
            snapshot_coverage(run)
            done += 1
    return done
