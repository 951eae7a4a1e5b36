"""Conversion (扩面成效): measured from the data, never declared by whoever made the contact.

A target counts as converted when a later comparison run of its county shows an enrollment: the
person is confirmed there, or holds a scheme the target's own run did not find. ``mark`` runs at
the end of every comparison run (one UPDATE, in the run's last transaction) and records which run
converted the target and its date, so the figures for any date are a count of what was marked by
then. The report reads one list's targets through the covering index ``ix_expansion_target_report``
(group, township) or the drive / staff indexes: grouped counts, no scan of the results.
"""
from sqlalchemy import exists, func, select, update

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


# One pass over the covering index ix_expansion_target_report: the list's targets counted by every
# key the report shows at once (a few hundred combinations for a county), summed up here.
_KEYS = (ExpansionTarget.group_code, ExpansionTarget.township_code, ExpansionTarget.drive_id,
         ExpansionTarget.staff_id, ExpansionTarget.converted_on)


def _with_rate(key, label, counts):
    targets, contacted, converted = counts
    return {"key": key, "label": label, "targets": targets, "contacted": contacted, "converted": converted,
            "rate": (converted / targets) if targets else 0.0}


def _add(bucket, key, count, contacted, converted):
    sums = bucket.setdefault(key, [0, 0, 0])
    sums[0] += count
    sums[1] += count if contacted else 0
    sums[2] += count if converted else 0


def _names(model_column, label_column, keys):
    wanted = [k for k in keys if k is not None]
    return dict(db.session.execute(select(model_column, label_column).where(model_column.in_(wanted))).all()) \
        if wanted else {}


def report(run_id, scope):
    """Conversion of one list inside ``scope`` (a SQL condition on targets): by group, township, drive,
    staff member, and over time (cumulative converted per run date). Each row: targets, contacted
    (``staff_id`` is set by the first contact), converted, rate."""
    rows = db.session.execute(select(*_KEYS, func.count()).where(ExpansionTarget.run_id == run_id, scope)
                              .group_by(*_KEYS)).all()
    total, groups, townships, drives_, staff, days = {}, {}, {}, {}, {}, {}
    for group, township, drive_id, staff_id, converted_on, count in rows:
        contacted, converted = staff_id is not None, converted_on is not None
        for bucket, key in ((total, None), (groups, group), (townships, township)):
            _add(bucket, key, count, contacted, converted)
        if drive_id is not None:
            _add(drives_, drive_id, count, contacted, converted)
        if staff_id is not None:
            _add(staff, staff_id, count, contacted, converted)
        if converted:
            days[converted_on] = days.get(converted_on, 0) + count
    totals = total.get(None, [0, 0, 0])
    running, timeline = 0, []
    for day in sorted(days):
        running += days[day]
        timeline.append({"date": day, "converted": days[day], "cumulative": running,
                         "rate": running / totals[0] if totals[0] else 0.0})
    township_names = _names(Area.code, Area.name, townships)
    drive_names = _names(ExpansionDrive.id, ExpansionDrive.name, drives_)
    staff_names = _names(User.id, User.display_name, staff)
    return {
        "total": _with_rate(None, "", totals),
        "by_group": [_with_rate(code, rules.group_label(code), groups[code]) for code in rules.GROUP_CODES
                     if code in groups],
        "by_township": [_with_rate(code, township_names.get(code, code or ""), counts)
                        for code, counts in sorted(townships.items(), key=lambda kv: kv[0] or "")],
        "by_drive": [_with_rate(key, drive_names.get(key, ""), counts) for key, counts in sorted(drives_.items())],
        "by_staff": [_with_rate(key, staff_names.get(key, ""), counts)
                     for key, counts in sorted(staff.items(), key=lambda kv: staff_names.get(kv[0], ""))],
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
