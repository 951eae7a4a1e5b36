"""Conversion (扩面成效): measured from the data, never declared by whoever made the contact.

A target counts as converted when a later comparison run of its county shows an enrollment: the
person is confirmed there, or holds a scheme the target's own run did not find. ``mark`` runs at
the end of every comparison run (one UPDATE, in the run's last transaction) and records which run
converted the target and its date, so the figures for any date are a count of what was marked by
then. The report reads the maintained tally (``expansion_tally``, services/expansion/tally.py),
never the targets or the results.
"""
from sqlalchemy import exists, func, select, update

from ...extensions import db
from ...models import Area, ComparisonResult, ComparisonRun, ExpansionDrive, ExpansionTally, ExpansionTarget, User
from . import rules, tally


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
    marked = db.session.execute(statement).rowcount
    if marked:
        for run_id in db.session.execute(select(ExpansionTarget.run_id).where(
                ExpansionTarget.converted_run_id == run.id).distinct()).scalars().all():
            tally.rebuild(run_id)
    return marked


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


_KEYS = (ExpansionTally.group_code, ExpansionTally.township_code, ExpansionTally.drive_id,
         ExpansionTally.staff_id, ExpansionTally.converted_run_id)


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
    """Conversion of one list inside ``scope`` (a SQL condition on ``ExpansionTally``, e.g. the user's
    area): by group, township, drive, staff member, and over time (cumulative converted per run
    date). Each row: targets, contacted (a staff member is named by the first contact), converted,
    rate. Reads the maintained tally (a few thousand rows for a county), never the targets."""
    rows = db.session.execute(select(*_KEYS, func.sum(ExpansionTally.targets))
                              .where(ExpansionTally.run_id == run_id, scope).group_by(*_KEYS)).all()
    total, groups, townships, drives_, staff, converting = {}, {}, {}, {}, {}, {}
    for group, township, drive_id, staff_id, converted_run_id, count in rows:
        count = int(count or 0)
        if not count:
            continue
        contacted, converted = bool(staff_id), bool(converted_run_id)
        for bucket, key in ((total, None), (groups, group), (townships, township or None)):
            _add(bucket, key, count, contacted, converted)
        if drive_id:
            _add(drives_, drive_id, count, contacted, converted)
        if staff_id:
            _add(staff, staff_id, count, contacted, converted)
        if converted:
            converting[converted_run_id] = converting.get(converted_run_id, 0) + count
    days = {}
    for converted_run_id, as_of_day in _names(ComparisonRun.id, ComparisonRun.as_of, converting).items():
        days[as_of_day] = days.get(as_of_day, 0) + converting[converted_run_id]
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


def area_condition(area, model=ExpansionTally):
    """Rows of ``model`` (the tally or the targets) inside ``area``, for the dashboard's area pages."""
    if area.level == "county":
        return model.county_code == area.county_code
    if area.level == "township":
        return model.township_code == area.code
    return model.village_code == area.code


def summary(area):
    """The dashboard's expansion figures for ``area``: the reported list's totals and its groups, or None."""
    run = report_run(area.county_code)
    if run is None:
        return None
    figures = report(run.id, area_condition(area))
    return {"run": run, "total": figures["total"], "by_group": figures["by_group"]}


def as_of(county_code, day):
    """The bulletin's expansion figures as of ``day``: the latest list built from a run dated by then and
    the targets later runs dated by then showed enrolled (the same figures whenever it is produced again).

    ``{"run_id", "targets", "converted", "rate", "townships": [{"code", "name", "targets", "converted",
    "rate"}]}`` (rates in per cent, None without targets), or None while no list existed by ``day``.
    """
    run_id = db.session.execute(
        select(func.max(ExpansionTally.run_id)).join(ComparisonRun, ComparisonRun.id == ExpansionTally.run_id)
        .where(ExpansionTally.county_code == county_code, ComparisonRun.as_of <= day)).scalar()
    if run_id is None:
        return None
    converted_by_then = ComparisonRun.as_of <= day  # no converting run (0): NULL, so not converted
    rows = db.session.execute(
        select(ExpansionTally.township_code, func.sum(ExpansionTally.targets),
               func.sum(db.case((converted_by_then, ExpansionTally.targets), else_=0)))
        .outerjoin(ComparisonRun, ComparisonRun.id == ExpansionTally.converted_run_id)
        .where(ExpansionTally.run_id == run_id).group_by(ExpansionTally.township_code)).all()
    counts = {code or "": (int(targets or 0), int(converted or 0)) for code, targets, converted in rows}
    names = _names(Area.code, Area.name, [code for code in counts if code])
    townships = [{"code": code, "name": names.get(code, code), "targets": t, "converted": c, "rate": _percent(c, t)}
                 for code, (t, c) in sorted(counts.items()) if t]
    targets, converted = sum(t for t, _c in counts.values()), sum(c for _t, c in counts.values())
    return {"run_id": run_id, "targets": targets, "converted": converted, "rate": _percent(converted, targets),
            "townships": townships}


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None
