"""Comparison run pages: start a run, follow its progress, read and export its results, decide
same-person candidates, list problem records, and the bulk actions on a finished run."""
from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import roles_required
from ..exports import mask_id_text, xlsx_response
from ..extensions import db
from ..idnumber import mask_id
from ..jobs import intake as intake_jobs
from ..labels import label
from ..models import ComparisonResult, LinkageCandidate, ProblemRecord
from ..queues import enqueue
from ..services import audit, scoping
from ..services.intake import problems as intake_problems, runs as intake_runs, work as intake_work
from ..intake.mapping import SOURCES
from . import bp
from .routes import OPERATORS, PROBLEM_LABELS, STAFF, STATUS_LABELS, runs_inline

# action -> (job for the bulk queue, the same work inline)
RUN_ACTIONS = {
    "problem_cases": (intake_jobs.start_problem_cases,
                      lambda run_id, actor: intake_problems.start_problem_cases(run_id, actor)),
    "registration_cases": (intake_jobs.start_registration_cases,
                           lambda run_id, actor: intake_work.start_registration_cases(run_id, actor)),
    "confirm": (intake_jobs.confirm_into_registry,
                lambda run_id, actor: intake_work.confirm_into_registry(run_id, actor)),
}


@bp.route("/runs", methods=["POST"])
@roles_required(*OPERATORS)
def start_run():
    """Start a comparison run over one batch per source, at the as-of date chosen (default: today)."""
    text = (request.form.get("as_of") or "").strip()
    try:
        as_of = date.fromisoformat(text) if text else None
    except ValueError:
        flash(_("比对基准日请写成“年-月-日”，例如 2017-06-30。"), "error")
        return redirect(url_for("intake.index"))
    run = intake_runs.create_run(scoping.user_county(current_user), as_of=as_of, actor=current_user)
    db.session.commit()
    _job(intake_jobs.run_comparison, lambda: intake_runs.run_comparison(run.id), run.id)
    return redirect(url_for("intake.run_page", run_id=run.id))


def _job(job, inline, *args):
    if runs_inline():
        inline()
        db.session.commit()
    else:
        enqueue("intake" if job is intake_jobs.run_comparison else "bulk", job, *args)


def run_or_404(run_id):
    """The comparison run ``run_id`` of the user's county, else 404."""
    return intake_runs.county_run(run_id, current_user)


@bp.route("/runs/<int:run_id>")
@roles_required(*STAFF)
def run_page(run_id):
    """A run: progress while it works, then its counts, changes since the previous run, and actions."""
    run = run_or_404(run_id)
    return render_template("intake/run.html", run=run, labels=PROBLEM_LABELS, status_labels=STATUS_LABELS,
                           stage=stage_label(run.stage), batches=intake_runs.run_batches(run), sources=SOURCES)


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
    run = run_or_404(run_id)
    return jsonify(status=run.status, stage=stage_label(run.stage), done=run.progress_done,
                   total=run.progress_total)


@bp.route("/runs/<int:run_id>/act/<action>", methods=["POST"])
@roles_required(*OPERATORS)
def run_action(run_id, action):
    """Turn a run's output into work: problem cases, registration cases, registry entries."""
    run = run_or_404(run_id)
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
    run = run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    pagination = _results_query(run).paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("intake/results.html", run=run, pagination=pagination, labels=PROBLEM_LABELS,
                           status_labels=STATUS_LABELS, status=request.args.get("status", ""),
                           problem=request.args.get("problem", ""))


@bp.route("/runs/<int:run_id>/results.xlsx")
@roles_required(*STAFF)
def results_export(run_id):
    """The filtered list as Excel (masked IDs, user's area, logged)."""
    run = run_or_404(run_id)
    audit.record(current_user, "export", "comparison_results", run.id, detail=request.query_string.decode()[:200])
    db.session.commit()
    rows = ((r.name, mask_id(r.id_number), str(STATUS_LABELS.get(r.status, r.status)),
             "、".join(str(PROBLEM_LABELS.get(p, p)) for p in r.problems.split(";") if p), label(r.missing, "missing"),
             r.household_no,
             r.address, r.village_code) for r in _results_query(run).yield_per(2000))
    return xlsx_response(f"run-{run.id}.xlsx", _("比对结果"), [_("姓名"), _("公民身份号码"), _("结果"), _("问题"),
                                                              _("缺项"), _("户号"), _("地址"), _("村(社区)代码")], rows,
                         id_columns=(1,))


@bp.route("/runs/<int:run_id>/candidates")
@roles_required(*OPERATORS)
def candidates(run_id):
    """"Possibly the same person" pairs for agency staff to confirm or reject."""
    run = run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    status = request.args.get("status") if request.args.get("status") in ("pending", "decided") else ""
    query = LinkageCandidate.query.filter_by(run_id=run.id)
    if status:
        query = query.filter((LinkageCandidate.status == "pending") == (status == "pending"))
    # A stable order: a decided pair stays on its row instead of jumping to another page.
    pagination = (query.order_by(LinkageCandidate.score.desc(), LinkageCandidate.id)
                  .paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False))
    return render_template("intake/candidates.html", run=run, pagination=pagination, sources=SOURCES,
                           status=status)


@bp.route("/candidates/<int:candidate_id>/decide", methods=["POST"])
@roles_required(*OPERATORS)
def decide(candidate_id):
    """Confirm or reject one pair."""
    candidate = db.session.get(LinkageCandidate, candidate_id)
    if not scoping.in_county(candidate, current_user):
        abort(404)
    intake_work.decide_candidate(candidate, current_user, request.form.get("decision") == "confirm")
    audit.record(current_user, "linkage_decision", "linkage_candidate", candidate.id, detail=candidate.status)
    db.session.commit()
    pair = f"{candidate.name or ''}（{mask_id_text(candidate.id_raw)}）— {candidate.candidate_name or ''}" \
           f"（{mask_id(candidate.candidate_id_number)}）"
    flash(_("已确认为同一人：%(pair)s", pair=pair) if candidate.status == "confirmed"
          else _("已确认不是同一人：%(pair)s", pair=pair), "success")
    status = request.form.get("status") if request.form.get("status") in ("pending", "decided") else None
    return redirect(url_for("intake.candidates", run_id=candidate.run_id, status=status,
                            page=request.form.get("page", 1, type=int)))


@bp.route("/runs/<int:run_id>/problems")
@roles_required(*STAFF)
def problems(run_id):
    """The run's problem records in the user's area."""
    run = run_or_404(run_id)
    page = request.args.get("page", 1, type=int)
    pagination = (scoping.scoped(ProblemRecord, current_user).filter(ProblemRecord.run_id == run.id)
                  .order_by(ProblemRecord.problem_type, ProblemRecord.id)
                  .paginate(page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False))
    return render_template("intake/problems.html", run=run, pagination=pagination, labels=PROBLEM_LABELS)
