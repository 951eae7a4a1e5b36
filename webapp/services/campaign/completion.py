"""Acting on completeness: explained exclusions, kept gap counts, declaring a village complete (村级完成).

A village's gaps are found afresh (services.campaign.completeness) whenever its page, its township's
page or a declaration needs them; the counts found are kept in ``village_completeness`` so that the
county's list of townships and the dashboard's village rows are one indexed, grouped read (their
lag is the time of the last check, shown on the page). Every change here is audited; the caller
commits.
"""
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ... import areacodes
from ...extensions import db
from ...models import Area, CompletenessExclusion, VillageCompleteness
from ...models.base import utcnow
from .. import audit
from . import completeness, progress

HOUSEHOLD_REASONS = ("moved_out", "empty", "duplicate", "other")
PERSON_REASONS = ("deceased", "moved_out", "duplicate", "away", "other")
DECLARE_ROLES = ("township",)
STATUSES = ("complete", "declared_new_gaps", "ready", "gaps")


class CompletenessRefused(Exception):
    """An exclusion or a declaration that may not be made; the message says why."""


def gaps_total(counts):
    """How many gaps of every kind ``counts`` holds."""
    return sum(counts.get(kind) or 0 for kind in completeness.GAP_KINDS)


def status_of(gaps, declared_at):
    """complete / declared_new_gaps (declared, gaps found since) / ready (may be declared) / gaps."""
    if declared_at is not None:
        return "complete" if gaps == 0 else "declared_new_gaps"
    return "ready" if gaps == 0 else "gaps"


def _store(county_code, found):
    """Keep the counts just found (an upsert per village: two viewers of one page do not collide)."""
    now = utcnow()
    # progress's dialect-aware INSERT ... ON CONFLICT, built once (the same builder the counters use).
    stmt = progress.upsert(VillageCompleteness, ("village_code",), _STORED, inserted=("county_code", "township_code"))
    for code, village in sorted(found.items()):
        counts = village.counts()
        db.session.execute(stmt, {"village_code": code, "county_code": county_code,
                                  "township_code": areacodes.township_of(code), "household_gaps": counts["household"],
                                  "member_gaps": counts["member"], "field_gaps": counts["field"],
                                  "households": counts["households"], "checked_at": now})


_STORED = ("household_gaps", "member_gaps", "field_gaps", "households", "checked_at")  # what a new check replaces


def check(county_code, village_codes):
    """Find the gaps of ``village_codes`` now and keep their counts; returns {code: found}."""
    found = completeness.find_gaps(county_code, village_codes)
    _store(county_code, found)
    return found


def declarations(village_codes):
    """{village code: VillageCompleteness} kept for the villages (declaration and last counts)."""
    if not village_codes:
        return {}
    return {row.village_code: row for row in
            VillageCompleteness.query.filter(VillageCompleteness.village_code.in_(list(village_codes)))}


def village_rows(township):
    """The township's villages with their kept gap counts and status (one indexed read, no check).

    A township holds tens of thousands of people: checking all its villages is the job's work
    (``workers.completeness_jobs``) or the "check again" button's; each row shows when it was checked.
    """
    villages = Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()
    kept = {row.village_code: row for row in
            VillageCompleteness.query.filter_by(township_code=township.code)}
    rows = []
    for village in villages:
        row = kept.get(village.code)
        counts = {"household": row.household_gaps, "member": row.member_gaps, "field": row.field_gaps} \
            if row else {kind: None for kind in completeness.GAP_KINDS}
        declared_at = row.declared_at if row else None
        rows.append({"code": village.code, "name": village.name, "households": row.households if row else None,
                     **counts, "checked_at": row.checked_at if row else None, "declared_at": declared_at,
                     "declared_by": row.declared_by if declared_at else None,
                     "status": status_of(gaps_total(counts), declared_at) if row else "unchecked"})
    return rows


def recheck_township(township):
    """Check every village of ``township`` now and keep the counts (the job's and the button's work)."""
    villages = Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()
    return check(township.county_code, [v.code for v in villages])


def township_rows(county):
    """The county's townships with their villages' kept gap counts (one grouped read) and the oldest check."""
    townships = Area.query.filter_by(parent_id=county.id).order_by(Area.code).all()
    villages = dict(db.session.execute(
        select(Area.parent_id, func.count()).where(Area.parent_id.in_([t.id for t in townships]))
        .group_by(Area.parent_id)).all()) if townships else {}
    v = VillageCompleteness
    with_gaps = func.sum(case((v.household_gaps + v.member_gaps + v.field_gaps > 0, 1), else_=0))
    kept = {row[0]: row for row in db.session.execute(
        select(v.township_code, func.count(), func.sum(v.households), func.sum(v.household_gaps),
               func.sum(v.member_gaps), func.sum(v.field_gaps), func.min(v.checked_at),
               func.count(v.declared_at), with_gaps)
        .where(v.county_code == county.county_code).group_by(v.township_code))}
    result = []
    for township in townships:
        row = kept.get(township.code)
        result.append({"code": township.code, "name": township.name, "villages": villages.get(township.id, 0),
                       "checked": row[1] if row else 0, "households": int(row[2] or 0) if row else 0,
                       "household": int(row[3] or 0) if row else 0, "member": int(row[4] or 0) if row else 0,
                       "field": int(row[5] or 0) if row else 0, "checked_at": row[6] if row else None,
                       "declared": row[7] if row else 0, "with_gaps": int(row[8] or 0) if row else 0})
    return result


def village_statuses(village_codes):
    """{village code: status} from the kept counts (the dashboard's village rows; no check is run)."""
    return {code: status_of(row.household_gaps + row.member_gaps + row.field_gaps, row.declared_at)
            for code, row in declarations(village_codes).items()}


def declare(village, actor):
    """Declare ``village`` complete (村级完成) for the township: refused while it has any gap."""
    if actor.role not in DECLARE_ROLES:
        raise CompletenessRefused(_("只有乡镇工作人员可以确认村级完成。"))
    found = check(village.county_code, [village.code])[village.code]
    total = gaps_total(found.counts())
    if total:
        raise CompletenessRefused(_("本村(社区)还有 %(n)s 处缺口，不能确认完成。", n=total))
    row = VillageCompleteness.query.filter_by(village_code=village.code).one()
    row.declared_at, row.declared_by_id = utcnow(), actor.id
    audit.record(actor, "declare_village_complete", "area", village.code,
                 detail=f"households={found.households}")
    return row


def exclude(household, person, reason, note, actor):
    """Explain why ``household`` (or its member ``person``) is not to be registered; audited."""
    allowed = PERSON_REASONS if person is not None else HOUSEHOLD_REASONS
    note = (note or "").strip()[:256]
    if reason not in allowed:
        raise CompletenessRefused(_("请选择原因。"))
    if reason == "other" and not note:
        raise CompletenessRefused(_("原因为“其他”时请填写说明。"))
    if person is not None and person.household_id != household.id:
        raise CompletenessRefused(_("此人不在该户。"))
    subject = f"p{person.id}" if person is not None else f"h{household.id}"
    if CompletenessExclusion.query.filter_by(subject=subject).first():
        raise CompletenessRefused(_("已登记过说明。"))
    row = CompletenessExclusion(subject=subject, household_id=household.id,
                                person_id=person.id if person is not None else None, reason=reason, note=note,
                                county_code=household.county_code, township_code=household.township_code or "",
                                village_code=household.village_code or "", created_by_id=actor.id)
    db.session.add(row)
    audit.record(actor, "completeness_exclusion", "person" if person is not None else "household",
                 person.id if person is not None else household.id, detail=f"reason={reason}")
    return row


def exclusions(village_code):
    """The village's recorded exclusions, newest first."""
    return (CompletenessExclusion.query.filter_by(village_code=village_code)
            .order_by(CompletenessExclusion.id.desc()).all())


def withdraw(exclusion, actor):
    """Take back an exclusion recorded by mistake (the subject becomes a gap again); audited."""
    audit.record(actor, "completeness_exclusion_withdrawn", "person" if exclusion.person_id else "household",
                 exclusion.person_id or exclusion.household_id, detail=f"reason={exclusion.reason}")
    db.session.delete(exclusion)
