"""One employer across comparison runs, the annual check (年审) list, and the tax bureau's flag.

An employer is followed from run to run by its key (``intake.employers.org_key``: the credit
code, else source and normalised name), the key the runs themselves compare by. What the county
keeps on an employer beyond the runs (the tax flag with its date, the last annual check) is one
``employer_profile`` row per county and key. Services never commit.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from ...extensions import db
from ...intake.employers import normalize_org_name, org_key
from ...models import ComparisonEmployer, ComparisonRun, EmployerInspection, EmployerProfile
from ...models.base import utcnow
from .. import audit, scoping


class EmployerRefused(Exception):
    """The employer action cannot be done; the message says why in the user's language."""


def key_of(row) -> str:
    """The cross-run key of a ComparisonEmployer row (or anything with source/credit_code/name)."""
    return org_key(row.source, row.credit_code, row.name)


def _rows_with_key(query, key):
    """Filter a ComparisonEmployer query to the rows of one employer key."""
    if ":" not in key:
        return query.filter(ComparisonEmployer.credit_code == key).all()
    source, normal = key.split(":", 1)
    candidates = query.filter(ComparisonEmployer.credit_code.is_(None), ComparisonEmployer.source == source).all()
    return [row for row in candidates if (normalize_org_name(row.name) or "") == normal]


def history(user, key):
    """[(run, row)] of the employer ``key`` in the user's area, oldest run first (done runs only)."""
    query = (scoping.scoped(ComparisonEmployer, user).join(ComparisonRun, ComparisonRun.id == ComparisonEmployer.run_id)
             .filter(ComparisonRun.status == "done"))
    rows = _rows_with_key(query, key)
    runs = {run.id: run for run in ComparisonRun.query.filter(ComparisonRun.id.in_({r.run_id for r in rows}))}
    return sorted(((runs[r.run_id], r) for r in rows), key=lambda pair: (pair[0].as_of, pair[0].id))


def row_in_run(run_id, key):
    """The employer's row in run ``run_id`` (None when the run does not list it)."""
    found = _rows_with_key(ComparisonEmployer.query.filter(ComparisonEmployer.run_id == run_id), key)
    return found[0] if found else None


def inspections_of(user, key):
    """The employer's inspections in the user's area, newest first."""
    return (scoping.scoped(EmployerInspection, user).filter(EmployerInspection.employer_key == key)
            .order_by(EmployerInspection.id.desc()).all())


def profile(county_code, key):
    """The county's profile row of the employer (None when nothing was ever recorded)."""
    return EmployerProfile.query.filter_by(county_code=county_code, employer_key=key).one_or_none()


def _profile_for(row):
    found = profile(row.county_code, key_of(row))
    if found is None:
        found = EmployerProfile(employer_key=key_of(row), name=row.name, tax_flag=False, county_code=row.county_code,
                                township_code=row.township_code)
        db.session.add(found)
    return found


def set_tax_flag(row, on, flagged_on, note, actor):
    """Set or clear the tax bureau's concern (joint tax and social insurance registration) on the
    employer of ``row``, with its date; audited either way."""
    if on and flagged_on is None:
        raise EmployerRefused(_("请填写税务部门提出关注的日期。"))
    found = _profile_for(row)
    found.tax_flag = bool(on)
    found.tax_flag_date = flagged_on if on else None
    found.tax_flag_note = ((note or "").strip()[:500] or None) if on else None
    found.tax_flag_by_id, found.updated_at = getattr(actor, "id", None), utcnow()
    audit.record(actor, "employer_tax_flag" if on else "employer_tax_flag_cleared", "employer", key_of(row)[:64],
                 detail=f"{flagged_on.isoformat() if on else ''} {found.tax_flag_note or ''}".strip()[:200])
    return found


def mark_annual_checked(row, checked_on, actor):
    """Record the employer's annual check (年审) as done on ``checked_on``; audited."""
    found = _profile_for(row)
    found.annual_checked_on, found.annual_checked_by_id, found.updated_at = checked_on, getattr(actor, "id", None), utcnow()
    audit.record(actor, "employer_annual_check", "employer", key_of(row)[:64], detail=checked_on.isoformat())
    return found


def latest_run(county_code):
    """The county's latest finished comparison run that compared employers (None when none)."""
    runs = (ComparisonRun.query.filter_by(county_code=county_code, status="done")
            .order_by(ComparisonRun.as_of.desc(), ComparisonRun.id.desc()).limit(20))
    return next((run for run in runs if "employers" in (run.counts or {})), None)


def annual_due(user, year: int):
    """(run, [(row, profile)]) of the employers due for the annual check of ``year`` in the user's
    area: active organisations of the latest run (insured or not; cancelled ones are not checked)
    registered before ``year`` began and not yet checked in ``year``."""
    run = latest_run(user.area.county_code)
    if run is None:
        return None, []
    first = date(year, 1, 1)
    rows = (scoping.scoped(ComparisonEmployer, user)
            .filter(ComparisonEmployer.run_id == run.id, ComparisonEmployer.status != "not_target")
            .filter(db.or_(ComparisonEmployer.register_date.is_(None), ComparisonEmployer.register_date < first))
            .order_by(ComparisonEmployer.township_code, ComparisonEmployer.name, ComparisonEmployer.id).all())
    profiles = {p.employer_key: p for p in EmployerProfile.query.filter_by(county_code=run.county_code)}
    due = []
    for row in rows:
        found = profiles.get(key_of(row))
        if found is None or found.annual_checked_on is None or found.annual_checked_on < first:
            due.append((row, found))
    return run, due


def profiles_by_key(county_code, keys):
    """{key: profile} of the given employer keys (for the run's list: the tax flag column)."""
    keys = list(keys)
    if not keys:
        return {}
    return {p.employer_key: p for p in EmployerProfile.query.filter(
        EmployerProfile.county_code == county_code, EmployerProfile.employer_key.in_(keys))}
