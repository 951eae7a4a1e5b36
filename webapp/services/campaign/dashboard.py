"""The campaign dashboard's figures, read from the kept aggregates (services.progress), never the registry.

Every function takes an ``Area`` the caller has already checked against the user
(:func:`area_for`); a figure for a county sums its township rows, for a township its
village rows, for a village its own row. Nothing here reads more than a few thousand rows.
"""
from datetime import date, timedelta

from flask import abort, current_app, g, has_app_context
from sqlalchemy import func, select

from ... import areacodes
from ...extensions import db
from ...models import COUNTY_ROLES, Area, Case, CoverageSnapshot, ProgressDaily, ProgressTotal, User
from . import progress

DASHBOARD_ROLES = ("county", "supervisor", "agency", "admin", "township")


def area_for(user, code=None):
    """The area ``user`` asked to see (default: their own), or 404 when outside their scope."""
    if user.role not in DASHBOARD_ROLES:
        abort(403)
    home, prefix = user.area, scope_prefix(user)
    area = Area.query.filter_by(code=code).one_or_none() if code else None
    if area is None:
        if code:
            abort(404)
        area = home if user.role not in COUNTY_ROLES else (
            Area.query.filter_by(code=areacodes.county_area_code(home.county_code)).one_or_none() or home)
    if not area.code.startswith(prefix):
        abort(404)
    return area


def scope_prefix(user):
    """The code prefix of every area ``user`` may see on the dashboard (their county or township)."""
    if user.role in COUNTY_ROLES:
        return user.area.county_code
    return areacodes.township_prefix(user.area.township_code)


def _filters(model, area):
    conditions = [model.county_code == area.county_code]
    if area.level == "township":
        conditions.append(model.township_code == area.code)
    elif area.level == "village":
        conditions.append(model.township_code == area.township_code)
        conditions.append(model.village_code == area.code)
    return conditions


def _child_column(model, area):
    return model.township_code if area.level == "county" else model.village_code


def totals(area):
    """{measure: value} of the running totals in ``area``."""
    rows = db.session.execute(select(ProgressTotal.measure, func.sum(ProgressTotal.value))
                              .where(*_filters(ProgressTotal, area)).group_by(ProgressTotal.measure))
    found = {measure: int(value or 0) for measure, value in rows}
    return {measure: found.get(measure, 0) for measure in progress.MEASURES}


def children(area):
    """The areas one level below ``area`` (townships of a county, villages of a township), by code."""
    if area.level == "village":
        return []
    cache = g.setdefault("_dashboard_children", {}) if has_app_context() else {}
    if area.id not in cache:  # a page asks for them several times (breakdown, coverage)
        cache[area.id] = Area.query.filter_by(parent_id=area.id).order_by(Area.code).all()
    return cache[area.id]


def breakdown(area):
    """One row per child area: the funnel, reviews, returns, overdue, completion and return rates."""
    if area.level == "village":
        return []  # a village has no areas below it: its figures are :func:`totals`
    child = _child_column(ProgressTotal, area)
    rows = db.session.execute(select(child, ProgressTotal.measure, func.sum(ProgressTotal.value))
                              .where(*_filters(ProgressTotal, area)).group_by(child, ProgressTotal.measure))
    by_code = {}
    for code, measure, value in rows:
        by_code.setdefault(code or "", {})[measure] = int(value or 0)
    result = []
    known = set()
    for sub in children(area):
        known.add(sub.code)
        result.append(_row(sub.code, sub.name, by_code.get(sub.code, {})))
    for code, figures in sorted(by_code.items()):
        if code not in known and any(figures.values()):
            result.append(_row(code, None, figures))  # cases not yet placed in a village
    return result


def _row(code, name, figures):
    row = {"code": code, "name": name}
    row.update({measure: figures.get(measure, 0) for measure in progress.MEASURES})
    row["completion_rate"] = _rate(row["registered"], row["target"])
    row["return_rate"] = _rate(row["returned"], row["reviews"])
    return row


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def coverage(area):
    """Coverage by pension and medical insurance per child area: at the first comparison and now.

    "Now" is the latest comparison plus the gaps audited registrations closed since it.
    """
    first, latest = progress.first_run_id(area.county_code), progress.latest_run_id(area.county_code)
    if first is None:
        return {"rows": [], "first_run_id": None, "latest_run_id": None}
    child = _child_column(CoverageSnapshot, area)
    sums = (func.sum(CoverageSnapshot.targets), func.sum(CoverageSnapshot.pension_required),
            func.sum(CoverageSnapshot.pension_covered), func.sum(CoverageSnapshot.medical_covered),
            func.sum(CoverageSnapshot.pension_gain), func.sum(CoverageSnapshot.medical_gain))

    def read(run_id, grouped=True):
        query = select(child, *sums) if grouped else select(*sums)
        query = query.where(CoverageSnapshot.run_id == run_id, *_filters(CoverageSnapshot, area))
        if grouped:
            return {code or "": [int(v or 0) for v in values] for code, *values in
                    db.session.execute(query.group_by(child))}
        return [int(v or 0) for v in db.session.execute(query).one()]

    before, now = read(first), read(latest)
    names = {sub.code: sub.name for sub in children(area)} if area.level != "village" else {area.code: area.name}
    rows = [_coverage_row(code, names.get(code), before.get(code), now.get(code))
            for code in sorted(set(before) | set(now) | set(names))]
    total = _coverage_row(area.code, area.name, read(first, False), read(latest, False))
    return {"rows": rows, "total": total, "first_run_id": first, "latest_run_id": latest}


def _coverage_row(code, name, before, now):
    before, now = before or [0] * 6, now or [0] * 6
    return {"code": code, "name": name, "targets": now[0],
            "pension_before": _rate(before[2], before[1]), "medical_before": _rate(before[3], before[0]),
            "pension_now": _rate(now[2] + now[4], now[1]), "medical_now": _rate(now[3] + now[5], now[0]),
            "pension_gain": now[4], "medical_gain": now[5]}


def campaign_year():
    """The campaign's year (configured, else this year)."""
    return current_app.config.get("CAMPAIGN_YEAR") or progress.local_day().year


def phases(year=None):
    """The plan's phases with dates: [{"key", "start", "end", "goal"}]."""
    year = year or campaign_year()
    result = []
    for phase in current_app.config["CAMPAIGN_PHASES"]:
        start = date.fromisoformat(f"{year}-{phase['start']}")
        end = date.fromisoformat(f"{year}-{phase['end']}")
        result.append({"key": phase["key"], "start": start, "end": end, "goal": phase.get("goal")})
    return result


def daily(area, until=None):
    """Cumulative funnel figures per day in ``area`` (townships and the county; a village shows its township).

    Returns {"days": [...], "series": {measure: [...]}, "plan": {measure: [...]}}: the plan line is
    each phase goal's share of the target households, rising linearly across its phase.
    """
    scope = area if area.level != "village" else Area.query.filter_by(code=area.township_code).one()
    rows = db.session.execute(select(ProgressDaily.day, ProgressDaily.measure, func.sum(ProgressDaily.value))
                              .where(*_filters(ProgressDaily, scope)).group_by(ProgressDaily.day, ProgressDaily.measure))
    changes = {}
    for day, measure, value in rows:
        changes.setdefault(day, {})[measure] = int(value or 0)
    plan_phases = phases()
    today = until or progress.local_day()
    first = min([p["start"] for p in plan_phases if p["key"] != "expansion"] + list(changes) or [today])
    last = max([today] + list(changes))
    days, running = [], {m: 0 for m in progress.MEASURES}
    series = {m: [] for m in progress.MEASURES}
    day = first
    while day <= last:
        for measure, value in changes.get(day, {}).items():
            if measure in running:
                running[measure] += value
        days.append(day)
        for measure in progress.MEASURES:
            series[measure].append(running[measure])
        day += timedelta(days=1)
    plan = {}
    for phase in plan_phases:
        goal = phase.get("goal")
        if not goal:
            continue
        span = max((phase["end"] - phase["start"]).days, 1)
        line = []
        for index, day in enumerate(days):
            share = min(max((day - phase["start"]).days / span, 0.0), 1.0) * goal["share"]
            line.append(round(share * series["target"][index]))
        plan[goal["measure"]] = line
    return {"days": days, "series": series, "plan": plan, "phases": plan_phases}


def households(village, page=1, per_page=50):
    """The registration cases (households) of a village with where each stands, a page at a time."""
    query = (Case.query.filter(Case.kind == "registration", Case.county_code == village.county_code,
                               Case.township_code == village.township_code, Case.village_code == village.code)
             .order_by(Case.id))
    total = query.count()
    items = query.offset((page - 1) * per_page).limit(per_page).all()
    visitors = {u.id: u.display_name for u in User.query.filter(User.id.in_(
        [c.visitor_id for c in items if c.visitor_id]))} if items else {}
    return {"items": items, "total": total, "page": page, "per_page": per_page, "visitors": visitors}
