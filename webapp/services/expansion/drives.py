"""Expansion drives (扩面行动): opened by the county, worked village by village, contact by contact.

Opening a drive takes the chosen groups' unconverted, unassigned targets of a list inside the
chosen townships or villages and opens, per village, one ``expansion_drive`` case: its contact
task sits in the village lane (or the township lane, ``contact_role``), so it reaches that area's
staff inbox like any other task. Each contact is recorded on the target (outcome, reason, a
follow-up date); the task completes once every target of the round has a contact. A target
whose follow-up date has come back is put on a new round of its village (a job, once a day): it
is back in the inbox, with the task's own deadline.
"""
from datetime import timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select, update

from ...extensions import db
from ...models import Area, ExpansionAssignment, ExpansionContact, ExpansionDrive, ExpansionTarget
from ...models.base import utcnow
from ..casework import cases
from . import rules, tally

DRIVE_PROCESS = "expansion_drive"
OUTCOMES = (
    ("not_reached", _l("未联系上")), ("reached", _l("已联系")), ("explained", _l("已宣传政策")),
    ("willing", _l("有参保意愿")), ("enrolled_elsewhere", _l("已在他处参保")), ("refused", _l("拒绝参保")),
)
OUTCOME_CODES = tuple(code for code, _label in OUTCOMES)
NEEDS_REASON = ("refused", "enrolled_elsewhere")
CONTACT_ROLES = ("village", "township")
MAX_FOLLOW_UP_DAYS = 366


class DriveRefused(Exception):
    """The drive step cannot be done; the message says why in the user's language."""


def _areas_condition(codes):
    """Targets inside any of ``codes`` (township or village codes, as Area rows know them)."""
    areas = Area.query.filter(Area.code.in_(codes or ["-"])).all()
    townships = [a.code for a in areas if a.level == "township"]
    villages = [a.code for a in areas if a.level == "village"]
    return db.or_(ExpansionTarget.township_code.in_(townships or ["-"]),
                  ExpansionTarget.village_code.in_(villages or ["-"]))


def open_drive(run, name, groups, area_codes, contact_role, actor):
    """Open a drive over a list's targets of ``groups`` in ``area_codes``; returns the drive."""
    name = (name or "").strip()
    if not name:
        raise DriveRefused(_("请填写行动名称。"))
    if not groups or any(g not in rules.GROUP_CODES for g in groups):
        raise DriveRefused(_("请至少选择一个重点人群。"))
    if not area_codes:
        raise DriveRefused(_("请至少选择一个乡镇或村(社区)。"))
    if contact_role not in CONTACT_ROLES:
        raise DriveRefused(_("请选择由谁联系。"))
    drive = ExpansionDrive(name=name[:100], run_id=run.id, groups=list(groups), areas=list(area_codes),
                           contact_role=contact_role, status="open", opened_by_id=getattr(actor, "id", None),
                           county_code=run.county_code, opened_at=utcnow())
    db.session.add(drive)
    db.session.flush()
    chosen = (ExpansionTarget.run_id == run.id, ExpansionTarget.group_code.in_(groups), _areas_condition(area_codes),
              ExpansionTarget.drive_id.is_(None), ExpansionTarget.converted_run_id.is_(None),
              ExpansionTarget.village_code.isnot(None))
    taken = db.session.execute(update(ExpansionTarget).where(*chosen).values(drive_id=drive.id)
                               .execution_options(synchronize_session=False)).rowcount
    if not taken:
        raise DriveRefused(_("所选人群和地区没有尚未纳入行动的扩面对象。"))
    drive.targets = taken
    villages = db.session.execute(select(ExpansionTarget.village_code).where(ExpansionTarget.drive_id == drive.id)
                                  .distinct().order_by(ExpansionTarget.village_code)).scalars().all()
    for village_code in villages:
        _open_round(drive, village_code, 1, ExpansionTarget.drive_id == drive.id, actor)
    tally.rebuild(run.id)
    return drive


def _open_round(drive, village_code, round_no, which, actor):
    """A contact task for ``drive`` in one village, for the targets ``which`` selects there."""
    village = Area.query.filter_by(code=village_code).one()
    assignment = ExpansionAssignment(drive_id=drive.id, village_code=village_code, round=round_no, status="open",
                                     county_code=drive.county_code, township_code=village.township_code,
                                     opened_at=utcnow())
    db.session.add(assignment)
    db.session.flush()
    db.session.execute(update(ExpansionTarget).where(which, ExpansionTarget.village_code == village_code)
                       .values(assignment_id=assignment.id).execution_options(synchronize_session=False))
    # The title is data seen by every user, kept in Chinese like the other cases' titles.
    title = f"{village.name} 扩面行动“{drive.name}”" + (f"（第 {round_no} 轮回访）" if round_no > 1 else "")
    case = cases.start_case("expansion", DRIVE_PROCESS, title, village, actor=actor,
                            payload={"assignment_id": assignment.id}, data={"contact_role": drive.contact_role})
    db.session.flush()
    assignment.case_id = case.id
    return assignment


def assignment_of_case(case):
    """The drive round an ``expansion_drive`` case is about."""
    return ExpansionAssignment.query.filter_by(case_id=case.id).one_or_none()


def targets_of(assignment):
    """The targets of one round, by household."""
    return (ExpansionTarget.query.filter_by(assignment_id=assignment.id)
            .order_by(ExpansionTarget.household_no, ExpansionTarget.id).all())


def contacted_ids(assignment):
    """IDs of the round's targets that have a contact recorded in this round."""
    return set(db.session.execute(select(ExpansionContact.target_id).where(
        ExpansionContact.assignment_id == assignment.id)).scalars())


def record_contact(assignment, target_id, outcome, reason, follow_up_on, actor, today, key=None):
    """Record one contact with a target of the round (a repeated ``key`` records nothing new)."""
    if key:
        done = ExpansionContact.query.filter_by(key=key).one_or_none()
        if done is not None:
            return done
    if assignment.status != "open":
        raise DriveRefused(_("该轮联系任务已完成。"))
    target = ExpansionTarget.query.filter_by(id=target_id, assignment_id=assignment.id).one_or_none()
    if target is None:
        raise DriveRefused(_("此人不在本轮联系名单中。"))
    if outcome not in OUTCOME_CODES:
        raise DriveRefused(_("请选择联系结果。"))
    reason = (reason or "").strip()[:256]
    if outcome in NEEDS_REASON and not reason:
        raise DriveRefused(_("“%(outcome)s”须写明原因。", outcome=dict(OUTCOMES)[outcome]))
    if follow_up_on is not None:
        if outcome == "enrolled_elsewhere":
            raise DriveRefused(_("已在他处参保的，无需安排回访。"))
        if not today < follow_up_on <= today + timedelta(days=MAX_FOLLOW_UP_DAYS):
            raise DriveRefused(_("回访日期应在明天至一年之内。"))
    contact = ExpansionContact(key=key or None, target_id=target.id, drive_id=assignment.drive_id,
                               assignment_id=assignment.id, staff_id=getattr(actor, "id", None), outcome=outcome,
                               reason=reason or None, follow_up_on=follow_up_on, recorded_at=utcnow())
    db.session.add(contact)
    before = tally.key_of(target)
    target.outcome, target.staff_id, target.contacted_at = outcome, getattr(actor, "id", None), contact.recorded_at
    target.follow_up_on = follow_up_on
    tally.move(before, tally.key_of(target))
    return contact


def check_complete(assignment):
    """Raise DriveRefused while a target of the round has no contact recorded."""
    total = ExpansionTarget.query.filter_by(assignment_id=assignment.id).count()
    left = total - len(contacted_ids(assignment))
    if left > 0:
        raise DriveRefused(_("还有 %(n)s 人未记录联系情况，请逐人记录后再提交。", n=left))


def finish(assignment):
    """The round's contact task was completed."""
    assignment.status, assignment.completed_at = "completed", utcnow()


def open_due_follow_ups(today, actor=None, limit=100):
    """Open a new round for each village whose targets' follow-up dates have come; returns rounds opened.

    Only targets whose round is finished and who are not converted come back (a target still on an
    open task is there already); running it twice opens nothing new.
    """
    due = (db.session.query(ExpansionTarget.drive_id, ExpansionTarget.village_code)
           .join(ExpansionAssignment, ExpansionAssignment.id == ExpansionTarget.assignment_id)
           .join(ExpansionDrive, ExpansionDrive.id == ExpansionTarget.drive_id)
           .filter(ExpansionTarget.follow_up_on <= today, ExpansionTarget.converted_run_id.is_(None),
                   ExpansionAssignment.status == "completed", ExpansionDrive.status == "open")
           .distinct().order_by(ExpansionTarget.drive_id, ExpansionTarget.village_code).limit(limit).all())
    for drive_id, village_code in due:
        drive = db.session.get(ExpansionDrive, drive_id)
        last = db.session.query(func.max(ExpansionAssignment.round)).filter_by(
            drive_id=drive_id, village_code=village_code).scalar() or 0
        finished = select(ExpansionAssignment.id).where(ExpansionAssignment.status == "completed")
        which = db.and_(ExpansionTarget.drive_id == drive_id, ExpansionTarget.follow_up_on <= today,
                        ExpansionTarget.converted_run_id.is_(None), ExpansionTarget.assignment_id.in_(finished))
        _open_round(drive, village_code, last + 1, which, actor)
    return len(due)


def close_drive(drive):
    """Close a drive: no more follow-up rounds (open tasks stay until done)."""
    drive.status = "closed"
