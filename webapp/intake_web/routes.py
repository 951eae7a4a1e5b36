"""Intake pages: upload department files, map headers, read reports, run comparisons, act on results.

Imports and runs are jobs (RQ, the ``intake`` queue); pages show their progress.
Under TESTING (or INTAKE_INLINE) they run inside the request instead, so the
tests and a laptop demo need no worker. Lists are scoped to the user's area
and ID numbers are masked, as everywhere.
"""
import os
import re

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import roles_required
from ..errors import upload_too_large
from ..exports import mask_digit_runs, mask_id_text, xlsx_response
from ..extensions import db
from ..jobs import intake as intake_jobs
from ..labels import GROUPS
from ..models import ComparisonRun, ImportBatch, ValidationIssue
from ..queues import enqueue
from ..services import audit, scoping
from ..services.intake import importing as intake_import, mapping as intake_mapping, runs as intake_runs
from . import mapping_forms as forms
from ..intake.mapping import SOURCES, id_column_test
from . import bp

STAFF = ("agency", "county", "admin", "supervisor")
OPERATORS = ("agency", "county", "admin")
UPLOADERS = OPERATORS + ("data_provider",)
_PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")  # a batch's data period: year-month
# Labels through the catalog (webapp/labels.py), so the English interface shows English.
STATUS_LABELS = GROUPS["result_status"]
PROBLEM_LABELS = GROUPS["problem_type"]


def runs_inline():
    # INTAKE_INLINE set (True or False) wins, so a test can take the worker path.
    inline = current_app.config.get("INTAKE_INLINE")
    return current_app.config.get("TESTING") if inline is None else inline


def _upload_dir():
    path = os.path.join(current_app.instance_path, "uploads")
    os.makedirs(path, exist_ok=True)
    return path


def _allowed_sources():
    if current_user.role == "data_provider":
        return [current_user.department] if current_user.department in SOURCES else []
    return list(SOURCES)


@bp.route("/")
@roles_required(*UPLOADERS, "supervisor")
def index():
    """Uploaded files and comparison runs of the county."""
    runs = ComparisonRun.query.filter_by(county_code=scoping.user_county(current_user)).order_by(ComparisonRun.id.desc()).limit(20)
    batches = _listed_batches()
    return render_template("intake/index.html", batches=batches, runs=runs.all(), sources=SOURCES,
                           allowed=_allowed_sources(), status_label=batch_status_label,
                           live_state=_live_state(batches), today=intake_runs.default_as_of())


def _listed_batches():
    batches = ImportBatch.query.filter_by(county_code=scoping.user_county(current_user))
    if current_user.role == "data_provider":
        batches = batches.filter_by(created_by_id=current_user.id)
    return batches.order_by(ImportBatch.id.desc()).limit(50).all()


def _import(batch):
    """Import an upload's batch: a job on the intake queue, or inline; then show the batch."""
    path = os.path.join(_upload_dir(), batch.upload_token)
    if not runs_inline():
        enqueue("intake", intake_jobs.import_file, path, batch.source, current_user.id, batch.file_name,
                None, batch.id, None, scoping.user_county(current_user))
        flash(_("文件已上传，正在后台导入，本页会自动更新。"), "success")
        return redirect(url_for("intake.batch_page", batch_id=batch.id))
    outcome = intake_import.import_file(path, batch.source, file_name=batch.file_name, actor=current_user,
                                        county_code=scoping.user_county(current_user), batch_id=batch.id)
    db.session.commit()
    if outcome.status == "needs_mapping":
        flash(_("需要确认列或值的对应关系，确认后继续导入。"), "error")
        return redirect(url_for("intake.mapping_page", batch_id=batch.id))
    flash(outcome.message, "success" if outcome.status == "imported" else "error")
    return redirect(url_for("intake.batch_page", batch_id=batch.id))


_FORM_OVERHEAD = 64 << 10  # multipart boundaries and the other form fields


def _store_upload(upload_file, limit):
    """The stored upload's path and SHA-256 (services/intake_import.store_upload); 413 over ``limit``."""
    try:
        return intake_import.store_upload(upload_file.stream, upload_file.filename, _upload_dir(), limit)
    except intake_import.FileTooLarge:
        raise upload_too_large(limit) from None


@bp.route("/upload", methods=["POST"])
@roles_required(*UPLOADERS)
def upload():
    """Store an uploaded file and import it (a job, or inline under TESTING)."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if (request.content_length or 0) > limit + _FORM_OVERHEAD:
        raise upload_too_large(limit)  # refused on the header, before the body is read
    source = request.form.get("source")
    upload_file = request.files.get("file")
    if source not in _allowed_sources() or upload_file is None or not upload_file.filename:
        flash(_("请选择数据来源和文件。"), "error")
        return redirect(url_for("intake.index"))
    period = (request.form.get("period") or "").strip() or None
    if period is not None and not _PERIOD.fullmatch(period):
        flash(_("数据期间请写成“年-月”，例如 2017-06。"), "error")
        return redirect(url_for("intake.index"))
    path, file_hash = _store_upload(upload_file, limit)
    token = os.path.basename(path)
    existing = intake_import.find_duplicate(source, file_hash)
    if scoping.in_county(existing, current_user):
        flash(_("内容完全相同的文件已于第 %(id)s 批（%(name)s）导入过，不重复计入。", id=existing.id,
                name=existing.file_name), "error")
        return redirect(url_for("intake.batch_page", batch_id=existing.id))
    audit.record(current_user, "upload", "intake_file", detail=f"{source}:{upload_file.filename}")
    batch = intake_import.start_batch(source, path, upload_file.filename, scoping.user_county(current_user), current_user, token)
    batch.period = period  # kept on the batch: the import (inline, worker or after mapping) reads it
    db.session.commit()
    return _import(batch)


@bp.route("/batches/<int:batch_id>/mapping", methods=["GET", "POST"])
@roles_required(*UPLOADERS)
def mapping_page(batch_id):
    """Choose a field for each unknown header and a code for each unknown value; saved per source."""
    batch = batch_or_404(batch_id)
    if batch.status != "needs_mapping" or batch.source not in _allowed_sources():
        return redirect(url_for("intake.batch_page", batch_id=batch.id))
    source = SOURCES[batch.source]
    pending = batch.pending or {}
    if request.method == "POST":
        try:
            headers, values = forms.mapping_choices(request.form, source, pending)
            intake_mapping.save_value_mapping(batch.source, values, current_user)
        except ValueError:  # a field or code the page never offered
            abort(400)
        intake_mapping.save_mapping(batch.source, headers, current_user)
        if not batch.upload_token:  # the file came from `flask intake import`: it continues there
            db.session.commit()
            flash(_("对应关系已保存。该文件由命令行导入，请再次运行导入命令。"), "success")
            return redirect(url_for("intake.batch_page", batch_id=batch.id))
        batch.status = "importing"
        db.session.commit()
        return _import(batch)
    return render_template("intake/mapping.html", batch=batch, source=source, pending=pending,
                           vocabularies=forms.vocabularies_of(source, pending), missing=pending.get("missing", ()))


@bp.route("/batches/<int:batch_id>/status.json")
@roles_required(*UPLOADERS, "supervisor")
def batch_status(batch_id):
    """A batch's state, for its page to poll while it imports."""
    batch = batch_or_404(batch_id)
    return jsonify(state=batch.status, label=batch_status_label(batch.status),
                   mapping_url=url_for("intake.mapping_page", batch_id=batch.id)
                   if batch.status == "needs_mapping" else None)


@bp.route("/batches/live.json")
@roles_required(*UPLOADERS, "supervisor")
def batches_live():
    """The state of the listed batches, for the upload page to poll."""
    return jsonify(state=_live_state(_listed_batches()))


def batch_status_label(status: str) -> str:
    """A batch's status in the user's language."""
    labels = {"importing": _("导入中"), "needs_mapping": _("待映射"), "imported": _("已导入"),
              "rejected": _("已拒收"), "duplicate": _("重复文件")}
    return labels.get(status, status)


def _live_state(batches) -> str:
    # What the page was drawn from: it reloads when this changes.
    return ";".join(f"{b.id}:{b.status}" for b in batches)


def batch_or_404(batch_id):
    batch = db.session.get(ImportBatch, batch_id)
    if not scoping.in_county(batch, current_user) or (
            current_user.role == "data_provider" and batch.created_by_id != current_user.id):
        abort(404)
    return batch


@bp.route("/batches/<int:batch_id>")
@roles_required(*UPLOADERS, "supervisor")
def batch_page(batch_id):
    """One import and its row-level validation report."""
    batch = batch_or_404(batch_id)
    page = request.args.get("page", 1, type=int)
    issues = (ValidationIssue.query.filter_by(batch_id=batch.id).order_by(ValidationIssue.id)
              .paginate(page=page, per_page=100, error_out=False))
    duplicate_of = (intake_import.find_duplicate(batch.source, batch.file_hash)
                    if batch.status == "duplicate" else None)
    return render_template("intake/batch.html", batch=batch, issues=issues, source=SOURCES[batch.source],
                           status_label=batch_status_label, duplicate_of=duplicate_of,
                           can_map=batch.source in _allowed_sources() and current_user.role != "supervisor")


@bp.route("/batches/<int:batch_id>/report.xlsx")
@roles_required(*UPLOADERS, "supervisor")
def batch_report(batch_id):
    """The validation report as Excel (ID numbers masked, even invalid ones)."""
    batch = batch_or_404(batch_id)
    holds_id = id_column_test(batch.source, batch.mapping)

    def row(i):
        # A problem about an ID may quote its birth date: the masked part, so it is hidden too.
        value, problem = ((mask_id_text(i.value), mask_digit_runs(i.problem)) if holds_id(i.column_name)
                          else (i.value, i.problem))
        return i.row_number, i.column_name, value, problem, _("错误") if i.severity == "error" else _("警告")

    rows = (row(i) for i in
            ValidationIssue.query.filter_by(batch_id=batch.id).order_by(ValidationIssue.id).yield_per(2000))
    return xlsx_response(f"report-{batch.id}.xlsx", _("校验报告"), [_("行号"), _("列"), _("值"), _("问题"), _("级别")],
                         rows)


@bp.route("/batches/<int:batch_id>/retire", methods=["POST"])
@roles_required(*OPERATORS)
def retire_batch(batch_id):
    """Take a batch out of use, with a reason (audited); it stays viewable."""
    batch = batch_or_404(batch_id)
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("停用导入批次须填写原因。"), "error")
        return redirect(url_for("intake.batch_page", batch_id=batch.id))
    if batch.status != "imported" or not batch.active:
        flash(_("只能停用正在使用的导入批次。"), "error")
        return redirect(url_for("intake.batch_page", batch_id=batch.id))
    intake_import.retire_batch(batch, reason, current_user)
    audit.record(current_user, "retire", "import_batch", batch.id, detail=reason[:500])
    db.session.commit()
    flash(_("该批次已停用，今后的比对不再使用。"), "success")
    return redirect(url_for("intake.batch_page", batch_id=batch.id))
