"""Change request pages: the list (area-scoped), one request, raising one, raising from a comparison run."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from . import bp
from ..attempts import attempt
from ..queues import enqueue
from .forms import NewPersonForm
from ..auth.decorators import roles_required
from ..extensions import db
from ..jobs import changes as change_jobs
from ..models import Area, ChangeRequest, ComparisonRun, VillageSurvey
from ..services import audit, scoping
from ..services.casework import changes, surveys
from ..services.intake import runs as intake_runs

RAISE_ROLES = ("agency", "township", "village")
RUN_ROLES = ("agency", "county")
VIEW_ROLES = ("agency", "township", "village", "county", "supervisor")


def _scoped():
    if current_user.role not in VIEW_ROLES:
        abort(403)
    return scoping.scoped(ChangeRequest, current_user)


@bp.route("/")
@login_required
def change_list():
    """Change requests of the user's area, filtered by status and kind, conflicts marked."""
    query = _scoped()
    status = request.args.get("status", "open")
    kind = request.args.get("kind", "")
    if status in changes_statuses():
        query = query.filter(ChangeRequest.status == status)
    if kind in changes.KINDS:
        query = query.filter(ChangeRequest.kind == kind)
    page = request.args.get("page", 1, type=int)
    pagination = query.order_by(ChangeRequest.id.desc()).paginate(
        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    contested = changes.contested_ids([r.id for r in pagination.items])
    runs = []
    if current_user.role in RUN_ROLES:
        runs = (ComparisonRun.query.filter_by(status="done", county_code=scoping.user_county(current_user))
                .order_by(ComparisonRun.id.desc()).limit(5).all())
    return render_template("changes/list.html", pagination=pagination, status=status, kind=kind,
                           contested=contested, runs=runs, kinds=list(changes.KINDS))


def changes_statuses():
    """The statuses a list may be filtered by."""
    return ("open", "applied", "rejected", "refused")


@bp.route("/<int:request_id>")
@login_required
def detail(request_id):
    """One request with its conflicts and the case that reviews it (the opening is logged)."""
    if current_user.role not in VIEW_ROLES:
        abort(403)
    change = scoping.get_or_404(ChangeRequest, request_id, current_user)
    audit.record(current_user, "view_person", "change_request", change.id)
    db.session.commit()
    return render_template("changes/detail.html", change=change, conflicts=changes.conflicts(change))


@bp.route("/new-person", methods=["GET", "POST"])
@roles_required(*RAISE_ROLES)
def new_person():
    """Raise a newborn or a person moving into the county (they enter the registry once approved)."""
    form = NewPersonForm()
    villages = villages_of_user()
    form.village_code.choices = [(v.code, v.name) for v in villages]
    if form.validate_on_submit():
        area = next(v for v in villages if v.code == form.village_code.data)
        value = {"id_number": form.id_number.data, "name": form.name.data.strip(),
                 "household_number": (form.household_number.data or "").strip() or None,
                 "relation_to_head": form.relation_to_head.data or None}
        with attempt(changes.ChangeRefused, done=_("变更申请已提交审核。")) as raised:
            change = changes.raise_request(form.kind.data, current_user, current_user.role, form.reason.data,
                                           value, evidence=form.evidence.data, area=area)
        if raised:
            return redirect(url_for("changes.detail", request_id=change.id))
    return render_template("changes/new_person.html", form=form)


def villages_of_user():
    """The villages a new person may be raised in: the user's own, or those of their township or county."""
    area = current_user.area
    if area.level == "village":
        return [area]
    return (Area.query.filter(Area.level == "village", scoping.areas_within(area.code))
            .order_by(Area.code).all())


@bp.route("/runs/<int:run_id>/raise", methods=["POST"])
@roles_required(*RUN_ROLES)
def raise_from_run(run_id):
    """Raise change requests from a comparison run's differences (a job; a second time raises nothing new)."""
    run = intake_runs.county_run(run_id, current_user, done=True)
    audit.record(current_user, "raise_changes", "comparison_run", run.id)
    db.session.commit()
    enqueue("intake", change_jobs.raise_from_run, run.id, current_user.id,
            job_id=f"raise-changes-{run.id}")
    flash(_("已开始根据比对批次 %(id)s 的差异生成变更申请，稍后刷新本页查看。", id=run.id), "success")
    return redirect(url_for("changes.change_list"))


@bp.route("/surveys/<int:survey_id>/households/<int:household_id>", methods=["POST"])
@roles_required("village")
def survey_household(survey_id, household_id):
    """The village assistant confirms a household unchanged in a periodic survey."""
    survey = scoping.get_or_404(VillageSurvey, survey_id, current_user)
    with attempt(surveys.SurveyRefused):
        surveys.mark(survey, household_id, "confirmed", current_user)
        audit.record(current_user, "survey_household", "household", household_id, detail=f"survey {survey.id}")
    task_id = request.form.get("task_id", type=int)
    return redirect(url_for("inbox.task", task_id=task_id) if task_id else url_for("inbox.tasks_list"))
