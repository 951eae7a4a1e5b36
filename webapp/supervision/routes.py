"""The supervisor console: late work by township, village and person; moving it."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..attempts import attempt
from ..auth.decorators import roles_required
from ..extensions import db
from ..models import InboxTask, User
from ..models.base import utcnow
from ..redirects import safe_next
from ..services import scoping
from ..services.casework import offline, supervision
from ..services.casework.supervision import SupervisionRefused, TaskFilter
from .forms import AbsentForm, DueDateForm, ReassignForm, loaded_choices, person_choices
from . import bp


supervisor_required = roles_required(*supervision.SUPERVISOR_ROLES)


def _local_to_utc(value):
    return clock.to_utc(value)


def _utc_to_local(value):
    return clock.to_local(value).replace(tzinfo=None)


def _filter_from_args():
    return TaskFilter(due=request.args.get("due", "overdue"), township=request.args.get("township") or None,
                      village=request.args.get("village") or None, assignee=request.args.get("assignee") or None,
                      lane=request.args.get("lane") or None)


@bp.route("/")
@supervisor_required
def overview():
    """Counts of open, overdue and due-soon tasks by township, village and person."""
    return render_template("supervision/overview.html", data=supervision.summary(current_user),
                           waiting=offline.waiting_by_assistant(current_user))


@bp.route("/tasks")
@supervisor_required
def tasks():
    """Open tasks in the area, filtered; select some to reassign."""
    flt = _filter_from_args()
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = supervision.list_tasks(current_user, flt, page, per_page)
    form = ReassignForm()
    form.to_user_id.choices = loaded_choices(supervision.eligible_with_load(current_user, rows, flt.lane))
    return render_template("supervision/tasks.html", rows=rows, total=total, page=page, per_page=per_page,
                           flt=flt, form=form, now=utcnow())


@bp.route("/tasks/reassign", methods=["POST"])
@supervisor_required
def reassign():
    """Reassign the selected tasks to one person of the right role and area."""
    form = ReassignForm()
    form.to_user_id.choices = person_choices(scoping.staff_in_scope(current_user, supervision.WORKING_ROLES))
    back = safe_next(request.form.get("next"), "supervision.tasks")
    ids = request.form.getlist("task_ids", type=int)
    if not ids:
        flash(_("请先选择要改派的任务。"), "error")
        return redirect(back)
    if not form.validate_on_submit():
        flash(_("请选择改派对象并填写理由。"), "error")
        return redirect(back)
    rows = [scoping.get_task_or_404(task_id, current_user) for task_id in ids]
    target = db.session.get(User, form.to_user_id.data)
    moved, refused = supervision.reassign_many(rows, target, current_user, form.reason.data.strip())
    db.session.commit()
    if moved:
        flash(_("已改派 %(n)s 项任务给 %(name)s。", n=len(moved), name=target.display_name), "success")
    for row, message in refused[:10]:
        flash(f"{row.case.title} · {row.title}：{message}", "error")
    return redirect(back)


@bp.route("/tasks/<int:task_id>/due", methods=["GET", "POST"])
@supervisor_required
def change_due(task_id):
    """Move a task's deadline, with a reason."""
    row = scoping.get_task_or_404(task_id, current_user)
    if row.state != "ready":
        abort(404)
    form = DueDateForm()
    if request.method == "GET" and row.due_at:
        form.new_due.data = _utc_to_local(row.due_at)
    if form.validate_on_submit():
        with attempt(SupervisionRefused, done=_("已调整办理期限。")) as changed:
            supervision.change_due(row, _local_to_utc(form.new_due.data), current_user, form.reason.data)
        if changed:
            return redirect(url_for("supervision.tasks", due=request.args.get("due", "overdue")))
    return render_template("supervision/due.html", row=row, form=form)


@bp.route("/absent", methods=["GET", "POST"])
@supervisor_required
def absent():
    """Move all open tasks of an absent person to a colleague."""
    staff = scoping.staff_in_scope(current_user, ("village", "township", "county", "agency"))
    form = AbsentForm()
    form.person_id.choices = person_choices(staff)
    form.to_user_id.choices = person_choices(staff)
    if request.method == "GET" and request.args.get("person", type=int):
        form.person_id.data = request.args.get("person", type=int)
    if form.validate_on_submit():
        person, target = db.session.get(User, form.person_id.data), db.session.get(User, form.to_user_id.data)
        if person.id == target.id:
            flash(_("接手人员不能是本人。"), "error")
        else:
            moved, refused = supervision.reassign_absent(person, target, current_user, form.reason.data.strip())
            db.session.commit()
            flash(_("已将 %(who)s 的 %(n)s 项任务改派给 %(name)s。", who=person.display_name, n=len(moved),
                    name=target.display_name), "success" if moved or not refused else "error")
            for row, message in refused[:10]:
                flash(f"{row.case.title} · {row.title}：{message}", "error")
            return redirect(url_for("supervision.overview"))
    counts = dict(db.session.query(InboxTask.assignee_id, db.func.count(InboxTask.id))
                  .filter(InboxTask.state == "ready", scoping.scope_condition(InboxTask, current_user))
                  .group_by(InboxTask.assignee_id).all())
    return render_template("supervision/absent.html", form=form, staff=staff, counts=counts)
