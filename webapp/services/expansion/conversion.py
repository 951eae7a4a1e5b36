"""Conversion (扩面成效): measured from the data, never declared by whoever made the contact.

A target counts as converted when a later comparison run of its county shows an enrollment: the
person is confirmed there, or holds a scheme the target's own run did not find. ``mark`` runs at
the end of every comparison run (one UPDATE, in the run's last transaction) and records which run
converted the target and its date, so the figures for any date are a count of what was marked by
then. The report reads one list's targets through the covering index ``ix_expansion_target_report``
(group, township) or the drive / staff indexes: grouped counts, no scan of the results.
"""
from sqlalchemy import and_, exists, func, select, update

from ...extensions import db
from ...models import Area, ComparisonResult, ComparisonRun, ExpansionDrive, ExpansionTarget, User
from . import rules


def mark(run):
    """Mark the county's targets of earlier lists that ``run`` shows enrolled; returns how many."""
    enrolled = exists().where(
        ComparisonResult.run_id == run.id, ComparisonResult.id_number == ExpansionTarget.id_number,
        db.or_(ComparisonResult.status == "confirmed",
               # a scheme the target's run did not find: (now | before) differs from before
               ComparisonResult.schemes.op("|")(ExpansionTarget.schemes) != ExpansionTarget.schemes))
    statement = (update(ExpansionTarget)
                 .where(ExpansionTarget.county_code == run.county_code, ExpansionTarget.run_id < run.id,
                        ExpansionTarget.converted_run_id.is_(None), enrolled)
                 .values(converted_run_id=run.id, converted_on=run.as_of)
                 .execution_options(synchronize_session=False))
    return db.session.execute(statement).rowcount


def report_run(county_code, run_id=None):
    """The list the report is about: ``run_id`` if it has one, else the latest list with a drive, else the latest."""
    lists = (select(ExpansionTarget.run_id).where(ExpansionTarget.county_code == county_code)
             .distinct().subquery())
    if run_id is not None:
        chosen = db.session.get(ComparisonRun, run_id)
        return chosen if chosen is not None and chosen.county_code == county_code else None
    with_drive = (select(func.max(ExpansionDrive.run_id)).where(ExpansionDrive.county_code == county_code))
    found = db.session.execute(with_drive).scalar() or db.session.execute(select(func.max(lists.c.run_id))).scalar()
    return db.session.get(ComparisonRun, found) if found else None


def _rows(keys, scope, run_id):
    query = (select(*keys, func.count().label("targets"), func.count(ExpansionTarget.contacted_at).label("contacted"),
                    func.count(ExpansionTarget.converted_run_id).label("converted"))
             .where(ExpansionTarget.run_id == run_id, scope).group_by(*keys))
    return db.session.execute(query).all()


def _with_rate(key, label, targets, contacted, converted):
    return {"key": key, "label": label, "targets": targets, "contacted": contacted, "converted": converted,
            "rate": (converted / targets) if targets else 0.0}


def report(run_id, scope):
    """Conversion of one list inside ``scope`` (a SQL condition on targets): by group, township, drive,
    staff, and over time (cumulative converted per run date). Each row: targets, contacted, converted, rate."""
    by_group_township = _rows((ExpansionTarget.group_code, ExpansionTarget.township_code), scope, run_id)
    group_totals, township_totals = {}, {}
    for group, township, targets, contacted, converted in by_group_township:
        for bucket, key in ((group_totals, group), (township_totals, township)):
            t = bucket.setdefault(key, [0, 0, 0])
            t[0], t[1], t[2] = t[0] + targets, t[1] + contacted, t[2] + converted
    names = dict(db.session.execute(select(Area.code, Area.name).where(
        Area.code.in_([k for k in township_totals if k] or ["-"]))).all())
    by_drive = _rows((ExpansionTarget.drive_id,), and_(scope, ExpansionTarget.drive_id.isnot(None)), run_id)
    drive_names = dict(db.session.execute(select(ExpansionDrive.id, ExpansionDrive.name).where(
        ExpansionDrive.id.in_([r[0] for r in by_drive] or [-1]))).all())
    by_staff = _rows((ExpansionTarget.staff_id,), and_(scope, ExpansionTarget.staff_id.isnot(None)), run_id)
    staff_names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([r[0] for r in by_staff] or [-1]))).all())
    over_time = db.session.execute(
        select(ExpansionTarget.converted_on, func.count()).where(
            ExpansionTarget.run_id == run_id, scope, ExpansionTarget.converted_on.isnot(None))
        .group_by(ExpansionTarget.converted_on).order_by(ExpansionTarget.converted_on)).all()
    total = [sum(v[i] for v in group_totals.values()) for i in range(3)]
    running, timeline = 0, []
    for day, count in over_time:
        running += count
        timeline.append({"date": day, "converted": count, "cumulative": running,
                         "rate": running / total[0] if total[0] else 0.0})
    return {
        "total": _with_rate(None, "", *total),
        "by_group": [_with_rate(code, rules.group_label(code), *(group_totals.get(code) or (0, 0, 0)))
                     for code in rules.GROUP_CODES if code in group_totals],
        "by_township": [_with_rate(code, names.get(code, code or ""), *values)
                        for code, values in sorted(township_totals.items(), key=lambda kv: kv[0] or "")],
        "by_drive": [_with_rate(key, drive_names.get(key, ""), *rest) for key, *rest in by_drive],
        "by_staff": [_with_rate(key, staff_names.get(key, ""), *rest) for key, *rest in by_staff],
        "over_time": timeline,
    }


def area_condition(area):
    """Targets inside ``area`` (a county, township or village row), for the dashboard's area pages."""
    if area.level == "county":
        return ExpansionTarget.county_code == area.county_code
    if area.level == "township":
        return ExpansionTarget.township_code == area.code
    return ExpansionTarget.village_code == area.code


def summary(area):
    """The dashboard's expansion figures for ``area``: the reported list's totals and its groups, or None."""
    run = report_run(area.county_code)
    if run is None:
        return None
    figures = report(run.id, area_condition(area))
    return {"run": run, "total": figures["total"], "by_group": figures["by_group"]}


def as_of(county_code, day):
    """The bulletin's expansion figure as of ``day``: the latest list built from a run dated by then and
    the targets later runs dated by then showed enrolled (the same figure whenever it is produced again)."""
    run_id = db.session.execute(
        select(func.max(ExpansionTarget.run_id)).join(ComparisonRun, ComparisonRun.id == ExpansionTarget.run_id)
        .where(ExpansionTarget.county_code == county_code, ComparisonRun.as_of <= day)).scalar()
    if run_id is None:
        return None
    targets, converted = db.session.execute(
        select(func.count(), func.count(ExpansionTarget.converted_run_id).filter(ExpansionTarget.converted_on <= day))
        .where(ExpansionTarget.run_id == run_id)).one()
    return {"run_id": run_id, "targets": targets, "converted": converted,
            "rate": round(100.0 * converted / targets, 1) if targets else None}
