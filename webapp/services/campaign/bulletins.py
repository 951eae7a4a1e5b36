"""Bulletins (定期通报): numbered rankings of the townships as of a date, from the daily aggregates.

Figures are sums of ``progress_daily`` rows up to the bulletin's date, so producing a bulletin
again for the same date gives the same figures, whatever was done since (design invariant 16).
A bulletin is stored with its figures and commentary (as data: the page words it in the reader's
language), its PDF and Excel documents as produced (documents/bulletin_files.py: the downloads
are these bytes), and announced to township staff and county leadership.
"""
from datetime import timedelta

from sqlalchemy import func, select

from ... import areacodes
from ...extensions import db
from ...models import Area, Bulletin, LeadingGroupMember, ProgressDaily, User
from .. import notifications
from ...documents import bulletin_files
from ..expansion import conversion as expansion_conversion
from . import progress, spot_checks

RANKED_MEASURES = ("target", "registered", "overdue", "reviews", "returned")
NOTIFIED_ROLES = ("township", "county", "supervisor")
COMMENTARY_SIZE = 3  # the notice's custom: name the top and the bottom three


def townships_of(county_code):
    """The townships of a county, by code."""
    county = Area.query.filter_by(code=areacodes.county_area_code(county_code)).one_or_none()
    if county is None:
        return []
    return Area.query.filter_by(parent_id=county.id).order_by(Area.code).all()


def figures_as_of(county_code, as_of):
    """Township rows ranked by completion rate as of the end of local day ``as_of``.

    Each row: code, name, rank, target, registered, completion_rate, overdue, reviews,
    returned, return_rate, spot_checked, spot_errors, spot_check_error_rate (None while nothing
    was checked; spot-check results count from the campaign day they were recorded), leaders.
    """
    rows = db.session.execute(
        select(ProgressDaily.township_code, ProgressDaily.measure, func.sum(ProgressDaily.value))
        .where(ProgressDaily.county_code == county_code, ProgressDaily.day <= as_of,
               ProgressDaily.measure.in_(RANKED_MEASURES))
        .group_by(ProgressDaily.township_code, ProgressDaily.measure))
    sums = {}
    for code, measure, value in rows:
        sums.setdefault(code, {})[measure] = int(value or 0)
    leaders = leaders_by_township(county_code)
    spots = {r["key"]: r for r in spot_checks.error_rates(county_code, by="township", as_of=as_of)}
    result = []
    for township in townships_of(county_code):
        figures = sums.get(township.code, {})
        row = {"code": township.code, "name": township.name}
        row.update({m: figures.get(m, 0) for m in RANKED_MEASURES})
        row["completion_rate"] = _rate(row["registered"], row["target"])
        row["return_rate"] = _rate(row["returned"], row["reviews"])
        spot = spots.get(township.code, {})
        row["spot_checked"], row["spot_errors"] = spot.get("checked", 0), spot.get("errors", 0)
        row["spot_check_error_rate"] = spot.get("rate")
        row["leaders"] = leaders.get(township.code, [])
        result.append(row)
    result.sort(key=lambda r: (-(r["completion_rate"] or 0), r["overdue"], r["code"]))
    for rank, row in enumerate(result, start=1):
        row["rank"] = rank
    return result


def _rate(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def leaders_by_township(county_code):
    """{township code: ["post name", ...]} from the leading-group list."""
    members = (LeadingGroupMember.query.filter(LeadingGroupMember.township_code.like(county_code + "%"))
               .order_by(LeadingGroupMember.township_code, LeadingGroupMember.id).all())
    result = {}
    for member in members:
        result.setdefault(member.township_code, []).append(
            f"{member.post} {member.name}".strip() if member.post else member.name)
    return result


def commentary(rows):
    """The top and bottom three, as data: [{"kind": "top"/"bottom", "name", "rate", "overdue", "rank"}]."""
    ranked = [r for r in rows if r["target"]]
    if not ranked:
        return []
    top = ranked[:COMMENTARY_SIZE]
    bottom = [r for r in ranked[-COMMENTARY_SIZE:] if r not in top]
    pick = lambda kind, r: {"kind": kind, "code": r["code"], "name": r["name"], "rank": r["rank"],  # noqa: E731
                            "rate": r["completion_rate"], "overdue": r["overdue"], "return_rate": r["return_rate"]}
    return [pick("top", r) for r in top] + [pick("bottom", r) for r in reversed(bottom)]


def totals_of(rows):
    """County totals of a bulletin's township rows."""
    total = {m: sum(r[m] for r in rows) for m in RANKED_MEASURES}
    total["completion_rate"] = _rate(total["registered"], total["target"])
    total["return_rate"] = _rate(total["returned"], total["reviews"])
    checked, errors = sum(r.get("spot_checked", 0) for r in rows), sum(r.get("spot_errors", 0) for r in rows)
    total["spot_checked"], total["spot_errors"] = checked, errors
    total["spot_check_error_rate"] = spot_checks.rate(errors, checked)
    return total


def produce(county_code, as_of, actor=None, trigger="on_demand"):
    """Compute, number, store and announce a bulletin for ``county_code`` as of ``as_of``. Caller commits."""
    rows = figures_as_of(county_code, as_of)
    number = (db.session.execute(select(func.max(Bulletin.number)).where(Bulletin.county_code == county_code))
              .scalar() or 0) + 1
    bulletin = Bulletin(county_code=county_code, number=number, as_of=as_of,
                        figures={"townships": rows, "totals": totals_of(rows),
                                 "expansion": expansion_conversion.as_of(county_code, as_of)},
                        commentary=commentary(rows),
                        trigger=trigger, created_by_id=getattr(actor, "id", None))
    db.session.add(bulletin)
    db.session.flush()
    bulletin_files.store(bulletin)  # the PDF and Excel as produced, served as they are from now on
    recipients = [uid for (uid,) in db.session.query(User.id).join(User.area).filter(
        User.role.in_(NOTIFIED_ROLES), User.active.is_(True), Area.code.like(county_code + "%"))]
    notifications.notify(recipients, "bulletin", message=str(number),
                         detail={"bulletin_id": bulletin.id, "number": number, "as_of": as_of.isoformat()},
                         dedupe=f"{county_code}-{number}")
    return bulletin


def produce_scheduled(today=None):
    """The weekly job: one bulletin per county as of yesterday (a whole day), unless it exists."""
    as_of = (today or progress.local_day()) - timedelta(days=1)
    made = []
    for county in Area.query.filter_by(level="county").order_by(Area.code).all():
        exists = Bulletin.query.filter_by(county_code=county.county_code, as_of=as_of, trigger="scheduled").first()
        if exists is None:
            made.append(produce(county.county_code, as_of, trigger="scheduled"))
    return made
