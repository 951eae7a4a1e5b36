"""Offline visits: the day's package for a phone, and applying what the phone queued.

Every submission carries an idempotency key: the first time it is applied through the same
services as the online pages (tasks.save_registration_form, tasks.complete_visit) and its result
is stored with the key; a replay answers that stored result and changes nothing (invariant 15).
A submission for a task that moved on while the phone was offline is not applied: it is kept on
the case (OfflineEntry + a timeline line) and the phone is told what happened.
"""
import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import Area, CaseEvent, InboxTask, OfflineEntry, SyncReceipt, SyncReport, User
from ...models.base import utcnow
from .. import audit, scoping
from . import cases, offline_surveys, steps, tasks

KEY_LENGTH = 64


class SyncRefused(Exception):
    """The submission is malformed (not a conflict, not a validation error)."""


def salt_for(username):
    """The per-user salt the phone derives its storage key with: a keyed hash of the user name,
    so an unknown name gets a salt too and the answer reveals nothing about who exists."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"offline-salt:" + username.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


# Timeline lines that do not change what the visit is about: a reminder or an escalation notice
# firing while the phone is offline must not turn the assistant's work into a conflict.
HOUSEKEEPING_EVENTS = ("reminder", "escalated", "due_changed", "claimed", "unclaimed", "incident",
                       "incident_resolved", "offline_conflict")


def version_of(row):
    """A stamp that changes when the task is reassigned or finished or its case moves on."""
    last = (db.session.query(db.func.max(CaseEvent.id))
            .filter(CaseEvent.case_id == row.case_id, CaseEvent.kind.notin_(HOUSEKEEPING_EVENTS)).scalar()) or 0
    return f"{row.id}.{row.assignee_id or 0}.{row.state}.{last}"


def _visit_rows(user):
    rows = (scoping.scoped(InboxTask, user)
            .filter(InboxTask.state == "ready", InboxTask.assignee_id == user.id)
            .order_by(InboxTask.due_at, InboxTask.id).all())
    return [row for row in rows if steps.has_form(row, "visit")]  # the visit form kind, whatever the step id


def _returns(case):
    events = (CaseEvent.query.filter_by(case_id=case.id)
              .filter(CaseEvent.decision.in_(("return", "not_at_home"))).order_by(CaseEvent.id).all())
    return [{"at": e.at.isoformat(timespec="minutes"), "decision": e.decision, "comment": e.comment or ""}
            for e in events]


def _person(person):
    return {"person_id": person.id, "name": person.name, "id_number": person.id_number, "sex": person.sex or "",
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "relation_to_head": person.relation_to_head or "", "hukou_address": person.hukou_address or ""}


def package_for(user):
    """The visits assigned to ``user`` with what the phone needs to work them offline."""
    visits = []
    for row in _visit_rows(user):
        case = row.case
        household = case.household
        members = [_person(p) for p in (household.persons if household else [])]
        forms = [{"id_number": f.id_number, "name": f.name, "data": f.data}
                 for f in tasks.filled_forms(case.id).values()]
        visits.append({"task_id": row.id, "case_id": case.id, "title": case.title, "version": version_of(row),
                       "due_at": row.due_at.isoformat(timespec="minutes") if row.due_at else "",
                       "address": household.address if household else "",
                       "household_number": household.household_number if household else "",
                       "household_type": (household.household_type if household else "") or "",
                       "members": members, "forms": forms, "returns": _returns(case)})
    survey_part = offline_surveys.package_part(user, version_of)
    audit.record(user, "offline_download", "user", user.id,
                 detail="cases " + ",".join(str(v["case_id"]) for v in visits + survey_part))
    return {"downloaded_at": utcnow().isoformat(timespec="seconds") + "Z",
            "keep_days": current_app.config["OFFLINE_KEEP_DAYS"], "visits": visits, "surveys": survey_part}


def report_queue(user, length):
    """Remember how many entries the phone says wait to sync (shown to supervisors)."""
    try:
        length = max(0, min(int(length), 100000))
    except (TypeError, ValueError):
        return
    report = db.session.get(SyncReport, user.id)
    if report is None:
        report = SyncReport(user_id=user.id)
        db.session.add(report)
    report.queue_length, report.reported_at = length, utcnow()


def receipt(key):
    """The stored result of an already processed submission, or None."""
    found = db.session.get(SyncReceipt, key)
    return None if found is None else dict(found.result, replayed=True)


def check_key(key):
    """Refuse keys that are not a phone's random key (at least 16, at most 64 safe characters)."""
    if not isinstance(key, str) or not 16 <= len(key) <= KEY_LENGTH or not key.replace("-", "").isalnum():
        raise SyncRefused("bad idempotency key")
    return key


def remember(key, user, kind, result):
    """Store ``result`` under ``key`` in the caller's transaction."""
    db.session.add(SyncReceipt(key=key, user_id=user.id, kind=kind, result=result))
    return result


def commit_once(key):
    """Commit; when another request stored the same key first, roll back and return its result."""
    try:
        db.session.commit()
        return None
    except IntegrityError:
        db.session.rollback()
        return receipt(key)


_REASONS = {
    "reassigned": lambda: _("此任务在您离线期间已改派给他人。"),
    "finished": lambda: _("此任务在您离线期间已办结或已被退回重办。"),
    "changed": lambda: _("此案件在您离线期间有了新的办理记录。"),
}


def conflict_reason(row, user, version):
    """Why ``row`` can no longer take the phone's entry as it was ('reassigned', 'finished',
    'changed'), or None when nothing moved since the download."""
    if row.state != "ready":
        return "finished"
    if row.assignee_id != user.id:
        return "reassigned"
    if version != version_of(row):
        return "changed"
    return None


def keep_entry(row, user, kind, reason, data, entered_at):
    """Keep an entry that could not be applied on the case, with a timeline line for the reviewer."""
    entry = OfflineEntry(case_id=row.case_id, user_id=user.id, task_id=row.id, kind=kind, reason=reason,
                         data=data, entered_at=(entered_at or "")[:32])
    db.session.add(entry)
    cases.add_event(row.case, "offline_conflict", user, row.task_name, comment=_REASONS[reason]())
    return entry


# The kinds of entry a phone queues and the form kind of the step each applies to (whatever the
# step's id): the visit's registration forms and completion, the periodic survey's confirmations,
# changes and completion.
FORM_OF_KIND = {"form": "visit", "visit": "visit", "survey_confirm": "village_survey",
                "survey_change": "village_survey", "survey_done": "village_survey"}


def sync_one(user, payload, apply):
    """Apply one queued submission (a kind of FORM_OF_KIND); return its result (not committed).

    ``apply(kind, row, user, data)`` validates the entry with the online page's form and calls
    the online page's service (webapp/offline/entries.py); None means the task was gone, "changed"
    that the entry saw a registry value that has changed since (both kept on the case)."""
    key = check_key(payload.get("key"))
    kind = payload.get("kind")
    if kind not in FORM_OF_KIND:
        raise SyncRefused("bad kind")
    try:
        row = db.session.get(InboxTask, int(payload.get("task_id") or 0))
    except (TypeError, ValueError):
        raise SyncRefused("bad task") from None
    if row is None or not scoping.in_scope(row, user) or not steps.has_form(row, FORM_OF_KIND[kind]):
        return remember(key, user, kind, {"status": "refused", "message": _("任务不存在或不在您的管辖范围内。")})
    data = payload.get("data") or {}
    reason = conflict_reason(row, user, payload.get("version"))
    result = None
    if reason is None:
        result = apply(kind, row, user, data)
        if result is None:  # another request finished the task first: nothing of ours stays
            db.session.rollback()
            reason = "finished"
        elif result == "changed":  # the entry saw a value the registry no longer holds
            reason = "changed"
    if reason is not None:
        keep_entry(row, user, kind, reason, data, payload.get("entered_at"))
        result = {"status": "conflict", "reason": reason, "message": _REASONS[reason]() + " "
                  + _("您填写的内容已保存在案件中，供审核人员查看。")}
    return remember(key, user, kind, result)


def entries_of(case):
    """Entries kept on ``case`` after a conflict, oldest first."""
    return OfflineEntry.query.filter_by(case_id=case.id).order_by(OfflineEntry.id).all()


def waiting_by_assistant(actor):
    """(assistant, queue length, reported at) for the assistants in ``actor``'s area who reported."""
    area = actor.area
    query = (db.session.query(SyncReport, User).join(User, SyncReport.user_id == User.id)
             .join(Area, User.area_id == Area.id))
    query = query.filter(scoping.areas_within(area.township_code if actor.role == "township" else area.county_code))
    return [(u, r.queue_length, r.reported_at) for r, u in query.order_by(SyncReport.queue_length.desc(), User.display_name)]
