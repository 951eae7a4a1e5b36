"""Intake pages: upload department files, map headers, read reports, run comparisons, act on results.

Imports and runs are jobs (RQ, the ``intake`` queue); pages show their progress.
Under TESTING (or INTAKE_INLINE) they run inside the request instead, so the
tests and a laptop demo need no worker. Lists are scoped to the user's area
and ID numbers are masked, as everywhere.
"""
import hashlib
import os

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import roles_required
from ..exports import xlsx_response
from ..extensions import db
from ..idnumber import mask_id
from ..models import ComparisonResult, ComparisonRun, ImportBatch, LinkageCandidate, ProblemRecord, ValidationIssue
from ..services import audit, intake_import, intake_problems, intake_runs, intake_work, scoping
from .compare import PROBLEM_LABELS
from .mapping import SOURCES

bp = Blueprint("intake", __name__, url_prefix="/intake")
STAFF = ("agency", "county", "admin", "supervisor")
OPERATORS = ("agency", "county", "admin")
UPLOADERS = OPERATORS + ("data_provider",)
STATUS_LABELS = {"confirmed": "已确认", "problem": "问题数据", "uninsured": "未参保", "not_target": "非登记对象"}
# action -> (job for the bulk queue, the same work inline)
RUN_ACTIONS = {
    "problem_cases": ("workers.intake_jobs.start_problem_cases",
                      lambda run_id, actor: intake_problems.start_problem_cases(run_id, actor)),
    "registration_cases": ("workers.intake_jobs.start_registration_cases",
                           lambda run_id, actor: intake_work.start_registration_cases(run_id, actor)),
    "confirm": ("workers.intake_jobs.confirm_into_registry",
                lambda run_id, actor: intake_work.confirm_into_registry(run_id, actor)),
}


def _inline():
    return current_app.config.get("TESTING") or current_app.config.get("INTAKE_INLINE")


def _county():
    return current_user.area.county_code


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
    batches = ImportBatch.query.filter_by(county_code=_county())
    if current_user.role == "data_provider":
        batches = batches.filter_by(created_by_id=current_user.id)
    runs = ComparisonRun.query.filter_by(county_code=_county()).order_by(ComparisonRun.id.desc()).limit(20)
    return render_template("intake/index.html", batches=batches.order_by(ImportBatch.id.desc()).limit(50).all(),
                           runs=runs.all(), sources=SOURCES, allowed=_allowed_sources())


def _import(path, source, file_name, mapping=None):
    if not _inline():
        from ..queues import enqueue

        enqueue("intake", "workers.intake_jobs.import_file", path, source, current_user.id, file_name, mapping)
        flash(_("文件已上传，正在后台导入。"), "success")
        return redirect(url_for("intake.index"))
    outcome = intake_import.import_file(path, source, file_name=file_name, actor=current_user,
                                        county_code=_county(), mapping=mapping)
    db.session.commit()
    if outcome.status == "needs_mapping":
        flash(outcome.message, "error")
        token = os.path.basename(path)
        return redirect(url_for("intake.mapping_page", token=token, source=source, name=file_name))
    flash(outcome.message, "success" if outcome.status in ("imported", "duplicate") else "error")
    return redirect(url_for("intake.batch_page", batch_id=outcome.batch.id) if outcome.batch
                    else url_for("intake.index"))


@bp.route("/upload", methods=["POST"])
@roles_required(*UPLOADERS)
def upload():
    """Store an uploaded file and import it (a job, or inline under TESTING)."""
    source = request.form.get("source")
    upload_file = request.files.get("file")
    if source not in _allowed_sources() or upload_file is None or not upload_file.filename:
        flash(_("请选择数据来源和文件。"), "error")
        return redirect(url_for("intake.index"))
    content = upload_file.read()
    token = hashlib.sha256(content).hexdigest()[:32] + os.path.splitext(upload_file.filename)[1][:8].lower()
    path = os.path.join(_upload_dir(), token)
    with open(path, "wb") as handle:
        handle.write(content)
    audit.record(current_user, "upload", "intake_file", detail=f"{source}:{upload_file.filename}")
    return _import(path, source, upload_file.filename)


@bp.route("/mapping/<token>", methods=["GET", "POST"])
@roles_required(*UPLOADERS)
def mapping_page(token):
    """Choose a field for each header the system could not place; the choice is saved per source."""
    source, name = request.args.get("source"), request.args.get("name") or token
    path = os.path.join(_upload_dir(), os.path.basename(token))
    if source not in _allowed_sources() or not os.path.exists(path):
        abort(404)
    from .mapping import map_headers
    from .readers import TableReader

    with TableReader(path) as reader:
        headers = reader.info.headers
    mapped, unknown, missing = map_headers(source, headers, intake_import.saved_mapping(source))
    if request.method == "POST":
        choices = {h: (request.form.get(f"field-{i}") or None) for i, h in enumerate(headers) if h not in mapped}
        intake_import.save_mapping(source, choices, current_user)
        db.session.commit()
        return _import(path, source, name)
    return render_template("intake/mapping.html", source=SOURCES[source], headers=headers, mapped=mapped,
                           unknown=unknown, missing=missing, token=token, name=name)


def _batch_or_404(batch_id):
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or batch.county_code != _county() or (
            current_user.role == "data_provider" and batch.created_by_id != current_user.id):
        abort(404)
    return batch


@bp.route("/batches/<int:batch_id>")
@roles_required(*UPLOADERS, "supervisor")
def batch_page(batch_id):
    """One import and its row-level validation report."""
    batch = _batch_or_404(batch_id)
    page = request.args.get("page", 1, type=int)
    issues = (ValidationIssue.query.filter_by(batch_id=batch.id).order_by(ValidationIssue.id)
              .paginate(page=page, per_page=100, error_out=False))
    return render_template("intake/batch.html", batch=batch, issues=issues, source=SOURCES[batch.source])


@bp.route("/batches/<int:batch_id>/report.xlsx")
@roles_required(*UPLOADERS, "supervisor")
def batch_report(batch_id):
    """The validation report as Excel."""
    batch = _batch_or_404(batch_id)
    rows = ((i.row_number, i.column_name, i.value, i.problem, _("错误") if i.severity == "error" else _("警告"))
            for i in ValidationIssue.query.filter_by(batch_id=batch.id).order_by(ValidationIssue.id).yield_per(2000))
    return xlsx_response(f"report-{batch.id}.xlsx", _("校验报告"), [_("行号"), _("列"), _("值"), _("问题"), _("级别")],
                         rows)


@bp.route("/runs", methods=["POST"])
@roles_required(*OPERATORS)
def start_run():
    """Start a comparison run over the active imports."""
    run = intake_runs.create_run(_county(), actor=current_user)
    db.session.commit()
    _job("workers.intake_jobs.run_comparison", lambda: intake_runs.run_comparison(run.id), run.id)
    return redirect(url_for("intake.run_page", run_id=run.id))


def _job(name, inline, *args):
    if _inline():
        inline()
        db.session.commit()
    else:
        from ..queues import enqueue

        enqueue("intake" if "comparison" in name else "bulk", name, *args)


def _run_or_404(run_id):
    run = db.session.get(ComparisonRun, run_id)
    if run is None or run.county_code != _county():
        abort(404)
    return run


@bp.route("/runs/<int:run_id>")
@roles_required(*STAFF)
def run_page(run_id):
    """A run: progress while it works, then its counts, changes since the previous run, and actions."""
    run = _run_or_404(run_id)
    return render_template("intake/run.html", run=run, labels=PROBLEM_LABELS, status_labels=STATUS_LABELS,
                           stage=stage_label(run.stage))


def stage_label(stage: str | None) -> str:
    """What a run is doing, in the user's language (the run stores a stage code)."""
    labels = {"queued": _("排队等候"), "loading": _("读取数据"), "comparing": _("逐人比对"),
              "writing": _("写入结果"), "problems": _("整理问题数据"), "linkage": _("查找疑似同一人"),
              "changes": _("与上次比对相比"), "employers": _("比对用人单位"), "done": _("完成")}
    return labels.get(stage or "queued", stage or "")


@bp.route("/runs/<int:run_id>/progress.json")
@roles_required(*STAFF)
def run_progress(run_id):
    """Progress for the page to poll."""
    run = _run_or_404(run_id)
    return jsonify(status=run.status, stage=stage_label(run.stage), done=run.progress_done,
                   total=run.progress_total)


@bp.route("/runs/<int:run_id>/act/<action>", methods=["POST"])
@roles_required(*OPERATORS)
def run_action(run_id, action):
    """Turn a run's output into work: problem cases, registration cases, registry entries."""
    run = _run_or_404(run_id)
    if run.status != "done":
        abort(409)
    if action not in RUN_ACTIONS:
        abort(404)
    job_name, service = RUN_ACTIONS[action]
    _job(job_name, lambda: service(run.id, current_user), run.id, current_user.id)
    flash(_("已开始处理。"), "success")
    return redirect(url_for("intake.run_page", run_id=run.id))


def _results_query(run):
    query = scoping.scoped(ComparisonResult, current_user).filter(ComparisonResult.run_id == run.id)
    status, problem = request.args.get("status"), request.args.get("problem")
    if status in STATUS_LABELS:
        query = query.filter(ComparisonResult.status == status)
    if problem in PROBLEM_LABELS:
        query = query.filter(ComparisonResult.problems.contains(problem))
    return query.order_by(ComparisonResult.village_code, ComparisonResult.household_no, ComparisonResult.id)


@bp.route("/runs/<int:run_id>/results")
@roles_required(*STAFF)
def results(run_id):
    """People of a run in the user's area, filtered by status or problem type; IDs masked."""
    run = _run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    pagination = _results_query(run).paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("intake/results.html", run=run, pagination=pagination, labels=PROBLEM_LABELS,
                           status_labels=STATUS_LABELS, status=request.args.get("status", ""),
                           problem=request.args.get("problem", ""))


@bp.route("/runs/<int:run_id>/results.xlsx")
@roles_required(*STAFF)
def results_export(run_id):
    """The filtered list as Excel (masked IDs, user's area, logged)."""
    run = _run_or_404(run_id)
    audit.record(current_user, "export", "comparison_results", run.id, detail=request.query_string.decode()[:200])
    db.session.commit()
    rows = ((r.name, mask_id(r.id_number), STATUS_LABELS.get(r.status, r.status),
             "、".join(PROBLEM_LABELS.get(p, p) for p in r.problems.split(";") if p), r.missing, r.household_no,
             r.address, r.village_code) for r in _results_query(run).yield_per(2000))
    return xlsx_response(f"run-{run.id}.xlsx", _("比对结果"), [_("姓名"), _("公民身份号码"), _("结果"), _("问题"),
                                                              _("缺项"), _("户号"), _("地址"), _("村(社区)代码")], rows)


@bp.route("/runs/<int:run_id>/candidates")
@roles_required(*OPERATORS)
def candidates(run_id):
    """"Possibly the same person" pairs for agency staff to confirm or reject."""
    run = _run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    pagination = (LinkageCandidate.query.filter_by(run_id=run.id)
                  .order_by(LinkageCandidate.status.desc(), LinkageCandidate.score.desc())
                  .paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False))
    return render_template("intake/candidates.html", run=run, pagination=pagination)


@bp.route("/candidates/<int:candidate_id>/decide", methods=["POST"])
@roles_required(*OPERATORS)
def decide(candidate_id):
    """Confirm or reject one pair."""
    candidate = db.session.get(LinkageCandidate, candidate_id)
    if candidate is None or candidate.county_code != _county():
        abort(404)
    intake_work.decide_candidate(candidate, current_user, request.form.get("decision") == "confirm")
    audit.record(current_user, "linkage_decision", "linkage_candidate", candidate.id, detail=candidate.status)
    db.session.commit()
    return redirect(url_for("intake.candidates", run_id=candidate.run_id))


@bp.route("/runs/<int:run_id>/problems")
@roles_required(*STAFF)
def problems(run_id):
    """The run's problem records in the user's area."""
    run = _run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    pagination = (scoping.scoped(ProblemRecord, current_user).filter(ProblemRecord.run_id == run.id)
                  .order_by(ProblemRecord.problem_type, ProblemRecord.id)
                  .paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False))
    return render_template("intake/problems.html", run=run, pagination=pagination, labels=PROBLEM_LABELS)


from . import routes_employers  # noqa: E402,F401  (the employer pages, on this blueprint)
from . import routes_reveal  # noqa: E402,F401  (showing one full ID on request, audited)
