"""Employer inspection (用工检查): opening inspections, the notice, re-check, outcome, documents.

The county bureau inspects the uninsured employers a comparison run found, and the organisations
the market supervision / civil affairs files show newly registered or cancelled this year. Each
inspection is one ``employer_inspection`` case (bpmn/employer_inspection.bpmn, county lane):
``issue_notice`` (the notice recorded, printable; or "not liable"), then ``recheck_employer``
whose deadline is the rectification period: its page re-checks the employer against every later
comparison run (the first run after the notice whose data shows people enrolled there says
"rectified"), and the outcome closes the inspection. Services never commit.
"""
import hashlib
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _

from ... import areacodes
from ...extensions import db
from ...infra.storage import photo_store
from ...models import Area, ComparisonEmployer, ComparisonRun, EmployerInspection, InboxTask, InspectionDocument
from ...models.base import utcnow
from .. import audit, notifications, scoping
from ..intake import employer_history
from . import cases

PROCESS = "employer_inspection"
OUTCOMES = ("rectified", "penalised", "closed", "not_liable")
REASONS = ("uninsured", "new", "cancelled", "annual", "other")
# Attachments: what they may be, recognised by their first bytes (the name and header can lie).
DOCUMENT_TYPES = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
                  (b"\x89PNG\r\n\x1a\n", "image/png", ".png"))


class InspectionRefused(Exception):
    """The inspection step cannot be done; the message says why in the user's language."""


def _area_of(row):
    code = row.township_code or areacodes.county_area_code(row.county_code)
    return Area.query.filter_by(code=code).one()


def open_for(row, reason, actor):
    """Open an inspection of the employer of ComparisonEmployer ``row`` (refused while one is open)."""
    if reason not in REASONS:
        raise InspectionRefused(_("未知的检查线索。"))
    key = employer_history.key_of(row)
    if EmployerInspection.query.filter_by(county_code=row.county_code, employer_key=key, status="open").first():
        raise InspectionRefused(_("该单位已有正在进行的用工检查。"))
    inspection = EmployerInspection(employer_key=key, credit_code=row.credit_code, name=row.name, source=row.source,
                                    reason=reason, run_id=row.run_id, status="open", opened_by_id=getattr(actor, "id", None),
                                    opened_at=utcnow(), county_code=row.county_code, township_code=row.township_code)
    db.session.add(inspection)
    db.session.flush()
    # The title is data seen by every user, kept in Chinese like the other cases' titles.
    case = cases.start_case("employer_inspection", PROCESS, f"{row.name or row.credit_code} 用工检查", _area_of(row),
                            actor=actor, payload={"inspection_id": inspection.id})
    db.session.flush()
    inspection.case_id = case.id
    audit.record(actor, "open_inspection", "employer_inspection", inspection.id)
    return inspection


def candidates(run, reason):
    """The run's employers an inspection may start from: ``uninsured``; ``new`` (registered in the
    run's year, still active); ``cancelled`` (cancelled or revoked, and not so in the previous run)."""
    query = ComparisonEmployer.query.filter(ComparisonEmployer.run_id == run.id)
    if reason == "uninsured":
        return query.filter(ComparisonEmployer.status == "uninsured").order_by(ComparisonEmployer.id).all()
    if reason == "new":
        first = run.as_of.replace(month=1, day=1)
        return (query.filter(ComparisonEmployer.status != "not_target", ComparisonEmployer.register_date >= first)
                .order_by(ComparisonEmployer.id).all())
    if reason == "cancelled":
        before = set()
        if run.previous_run_id:
            before = {employer_history.key_of(r) for r in ComparisonEmployer.query.filter(
                ComparisonEmployer.run_id == run.previous_run_id, ComparisonEmployer.status == "not_target")}
        rows = query.filter(ComparisonEmployer.status == "not_target").order_by(ComparisonEmployer.id).all()
        return [r for r in rows if employer_history.key_of(r) not in before]
    raise InspectionRefused(_("未知的检查线索。"))


def open_for_run(run, reason, actor, limit=200):
    """Open an inspection for each candidate of ``run`` that has none open, at most ``limit`` at a
    time (each starts a case: a page request stays short); returns (opened, still left)."""
    busy = {key for (key,) in db.session.query(EmployerInspection.employer_key).filter_by(
        county_code=run.county_code, status="open")}
    todo = [row for row in candidates(run, reason) if employer_history.key_of(row) not in busy]
    for row in todo[:limit]:
        if employer_history.key_of(row) in busy:  # the same employer twice in one run's files
            continue
        open_for(row, reason, actor)
        busy.add(employer_history.key_of(row))
    opened = min(len(todo), limit)
    return opened, len(todo) - opened


def inspection_of_case(case):
    """The inspection an ``employer_inspection`` case is about."""
    return EmployerInspection.query.filter_by(case_id=case.id).one_or_none()


def record_notice(inspection, number, notice_date, rectify_by, text, actor):
    """Record the rectification notice served on the employer (number, date, deadline, content)."""
    if rectify_by is None or notice_date is None or rectify_by <= notice_date:
        raise InspectionRefused(_("整改期限应晚于通知日期。"))
    inspection.notice_number = (number or "").strip()[:40] or f"YGJC-{inspection.id:06d}"
    inspection.notice_date, inspection.rectify_by = notice_date, rectify_by
    inspection.notice_text = (text or "").strip()[:4000] or None
    audit.record(actor, "inspection_notice", "employer_inspection", inspection.id)


def default_deadline(today):
    """The rectification deadline a new notice proposes (the recheck step's P30D)."""
    return today + timedelta(days=30)


def rechecks(inspection):
    """[(run, row or None)] of the comparison runs finished after the inspection's run, oldest
    first: the employer's status and enrolled people in each (the re-check's evidence)."""
    runs = (ComparisonRun.query.filter(ComparisonRun.county_code == inspection.county_code,
                                       ComparisonRun.status == "done", ComparisonRun.id != inspection.run_id)
            .order_by(ComparisonRun.as_of, ComparisonRun.id).all())
    origin = db.session.get(ComparisonRun, inspection.run_id)
    later = [run for run in runs if (run.as_of, run.id) > (origin.as_of, origin.id)]
    return [(run, employer_history.row_in_run(run.id, inspection.employer_key)) for run in later]


def recheck_verdict(inspection):
    """(run, row) of the first later run showing people enrolled at the employer, else the latest
    later run with its row, else None (no run since the inspection began)."""
    checked = rechecks(inspection)
    for run, row in checked:
        if row is not None and row.status == "insured":
            return run, row
    return checked[-1] if checked else None


def notify_rechecks(run):
    """A run just finished: tell whoever holds each open re-check whose employer this run shows
    insured (the assignee, else the county team), once per run and task; returns how many tasks."""
    told = 0
    rows = (InboxTask.query.join(EmployerInspection, EmployerInspection.case_id == InboxTask.case_id)
            .filter(InboxTask.task_name == "recheck_employer", InboxTask.state == "ready",
                    EmployerInspection.status == "open", EmployerInspection.county_code == run.county_code,
                    EmployerInspection.run_id != run.id).all())
    for row in rows:
        inspection = inspection_of_case(row.case)
        found = employer_history.row_in_run(run.id, inspection.employer_key)
        if found is None or found.status != "insured":
            continue
        people = [row.assignee_id] if row.assignee_id else [user.id for user in scoping.team_of(row)]
        notifications.notify(people, "recheck", row=row, dedupe=f"{run.id}:{row.id}",
                             message=f"{inspection.name or ''}：{found.insured_persons}")
        told += 1
    return told


def close(inspection, outcome, note, actor):
    """Close the inspection with its outcome; the re-check run it rests on is kept with it."""
    if outcome not in OUTCOMES:
        raise InspectionRefused(_("请选择处理结果。"))
    verdict = recheck_verdict(inspection)
    if outcome == "rectified" and (verdict is None or verdict[1] is None or verdict[1].status != "insured"):
        raise InspectionRefused(_("复查数据尚未显示该单位有职工参保，不能认定为已整改；请待下一次比对后再复查。"))
    if outcome == "penalised" and not InspectionDocument.query.filter_by(inspection_id=inspection.id).count():
        raise InspectionRefused(_("依法处罚须上传处罚决定书等文书。"))
    inspection.outcome, inspection.outcome_note = outcome, (note or "").strip()[:2000] or None
    if verdict is not None:
        inspection.recheck_run_id = verdict[0].id
        inspection.recheck_insured = verdict[1].insured_persons if verdict[1] is not None else None
    inspection.status, inspection.closed_at = "closed", utcnow()
    audit.record(actor, "close_inspection", "employer_inspection", inspection.id, detail=outcome)


def _sniff(data):
    for magic, content_type, suffix in DOCUMENT_TYPES:
        if data.startswith(magic):
            return content_type, suffix
    return None, None


def attach(inspection, file_name, data, actor):
    """Store an uploaded document of the inspection (PDF, JPEG or PNG up to the size limit)."""
    limit = current_app.config["INSPECTION_DOCUMENT_MAX_BYTES"]
    if not data:
        raise InspectionRefused(_("请选择要上传的文件。"))
    if len(data) > limit:
        raise InspectionRefused(_("文件过大：每个文件不超过 %(mb)s MB。", mb=limit // (1024 * 1024)))
    content_type, suffix = _sniff(data)
    if content_type is None:
        raise InspectionRefused(_("只能上传 PDF、JPEG 或 PNG 文件。"))
    key = photo_store().put(data, suffix)
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:128] or f"document{suffix}"
    document = InspectionDocument(inspection_id=inspection.id, file_name=name, storage_key=key,
                                  content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                                  uploaded_by_id=getattr(actor, "id", None), created_at=utcnow(),
                                  county_code=inspection.county_code, township_code=inspection.township_code)
    db.session.add(document)
    audit.record(actor, "inspection_document", "employer_inspection", inspection.id, detail=name)
    return document


def documents_of(inspection):
    """The inspection's documents, oldest first."""
    return InspectionDocument.query.filter_by(inspection_id=inspection.id).order_by(InspectionDocument.id).all()


def document_bytes(document):
    """The stored bytes of an attached document."""
    return photo_store().get(document.storage_key)
