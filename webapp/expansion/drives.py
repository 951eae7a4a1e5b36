"""Expansion drives: opening one, its page with progress, recording a contact, the conversion report."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func

from . import bp
from .forms import ContactForm, DriveForm
from .routes import EDIT_ROLES, area_choices, chosen_run
from .. import clock
from ..attempts import attempt
from ..auth.decorators import roles_required
from ..extensions import db
from ..labels import GROUPS as LABEL_GROUPS
from ..models import (Area, ExpansionAssignment, ExpansionDrive, ExpansionTally, ExpansionTarget, InboxTask,
                      WORKING_ROLES)
from ..services import audit, scoping
from ..services.casework import tasks
from ..services.casework.tasks import TaskRefused
from ..services.expansion import conversion, drives, rules, targets
from .. import engine

REPORT_ROLES = WORKING_ROLES


def _drive_form(run):
    form = DriveForm()
    form.groups.choices = [(code, label) for code, label, _where in rules.GROUPS]
    form.areas.choices = [(a.code, a.name) for a in area_choices()]
    form.contact_role.choices = list(LABEL_GROUPS["contact_role"].items())
    return form


@bp.route("/drives", methods=["GET", "POST"])
@roles_required(*WORKING_ROLES)
def drive_list():
    """The county's drives; county staff open a new one over the shown list."""
    run = chosen_run()
    form = _drive_form(run)
    if request.method == "POST":
        if current_user.role not in EDIT_ROLES or run is None:
            abort(403)
        if form.validate_on_submit():
            with attempt(drives.DriveRefused) as opened:
                drive = drives.open_drive(run, form.name.data, form.groups.data, form.areas.data,
                                          form.contact_role.data, current_user)
                audit.record(current_user, "open_expansion_drive", "expansion_drive", drive.id,
                             detail=f"{drive.targets} targets")
            if opened:
                flash(_("扩面行动已开始：%(n)s 名对象已派到各村(社区)的待办中。", n=drive.targets), "success")
                return redirect(url_for("expansion.drive_page", drive_id=drive.id))
    rows = (ExpansionDrive.query.filter_by(county_code=scoping.user_county(current_user))
            .order_by(ExpansionDrive.id.desc()).limit(100).all())
    return render_template("expansion/drives.html", form=form, drives=rows, run=run,
                           can_open=current_user.role in EDIT_ROLES and run is not None)


def _drive_or_404(drive_id):
    drive = db.session.get(ExpansionDrive, drive_id)
    if drive is None or not scoping.in_county(drive, current_user):
        abort(404)
    return drive


def _progress(drive):
    """Per village of the user's area: targets, contacted, outcomes, converted, the open round's task."""
    scope = scoping.scope_condition(ExpansionTarget, current_user)
    by_village = db.session.query(
        ExpansionTarget.village_code, func.count(ExpansionTarget.id), func.count(ExpansionTarget.contacted_at),
        func.count(ExpansionTarget.follow_up_on), func.count(ExpansionTarget.converted_run_id)
    ).filter(ExpansionTarget.drive_id == drive.id, scope).group_by(ExpansionTarget.village_code) \
        .order_by(ExpansionTarget.village_code).all()
    outcomes = dict(db.session.query(ExpansionTarget.outcome, func.count(ExpansionTarget.id))
                    .filter(ExpansionTarget.drive_id == drive.id, scope, ExpansionTarget.outcome.isnot(None))
                    .group_by(ExpansionTarget.outcome).all())
    rounds = (ExpansionAssignment.query.filter(ExpansionAssignment.drive_id == drive.id,
                                               scoping.scope_condition(ExpansionAssignment, current_user))
              .order_by(ExpansionAssignment.village_code, ExpansionAssignment.round).all())
    open_tasks = {row.case_id: row for row in InboxTask.query.filter(
        InboxTask.case_id.in_([r.case_id for r in rounds] or [-1]), InboxTask.state == "ready")}
    names = dict(Area.query.with_entities(Area.code, Area.name).filter(
        Area.code.in_([v for v, *_rest in by_village] or ["-"])).all())
    return by_village, outcomes, rounds, open_tasks, names


@bp.route("/drives/<int:drive_id>")
@roles_required(*WORKING_ROLES)
def drive_page(drive_id):
    """A drive's progress: contacts by outcome, per village, its rounds and their tasks, its conversion."""
    drive = _drive_or_404(drive_id)
    by_village, outcomes, rounds, open_tasks, names = _progress(drive)
    totals = [sum(row[i] for row in by_village) for i in range(1, 5)]
    report = conversion.report(drive.run_id, db.and_(ExpansionTally.drive_id == drive.id,
                                                     scoping.scope_condition(ExpansionTally, current_user)))
    return render_template("expansion/drive.html", drive=drive, by_village=by_village, outcomes=outcomes,
                           outcome_codes=drives.OUTCOMES, rounds=rounds, open_tasks=open_tasks, names=names,
                           totals=totals, report=report, group_label=rules.group_label,
                           can_close=current_user.role in EDIT_ROLES and drive.status == "open")


@bp.route("/drives/<int:drive_id>/close", methods=["POST"])
@roles_required(*EDIT_ROLES)
def close_drive(drive_id):
    """End a drive: no more follow-up rounds."""
    drive = _drive_or_404(drive_id)
    drives.close_drive(drive)
    audit.record(current_user, "close_expansion_drive", "expansion_drive", drive.id)
    db.session.commit()
    flash(_("扩面行动已结束，不再安排回访。"), "success")
    return redirect(url_for("expansion.drive_page", drive_id=drive.id))


@bp.route("/assignments/<int:assignment_id>/targets/<int:target_id>/contact", methods=["POST"])
@roles_required("village", "township")
def record_contact(assignment_id, target_id):
    """Record one contact from the round's task page (the task must be the user's to work)."""
    assignment = db.session.get(ExpansionAssignment, assignment_id)
    row = scoping.get_task_or_404(request.form.get("task_id", 0, type=int), current_user)
    if assignment is None or row.case_id != assignment.case_id:
        abort(404)
    form = ContactForm()
    form.outcome.choices = list(drives.OUTCOMES)
    with attempt(drives.DriveRefused, TaskRefused, engine.TaskNotAvailable, done=_("已记录联系情况。")):
        tasks.check_can_work(row, current_user)
        if not form.validate_on_submit():
            raise drives.DriveRefused(_("回访日期格式不正确。") if form.follow_up_on.errors else _("请重新提交。"))
        contact = drives.record_contact(assignment, target_id, form.outcome.data, form.reason.data,
                                        form.follow_up_on.data, current_user, clock.now().date(), key=form.key.data)
        audit.record(current_user, "expansion_contact", "expansion_target", target_id, detail=contact.outcome)
    return redirect(url_for("inbox.task", task_id=row.id, _anchor=f"target-{target_id}"))


@bp.route("/conversion")
@roles_required(*REPORT_ROLES)
def conversion_report():
    """Conversion rates of a list by group, township, drive and staff member, and over time."""
    run = conversion.report_run(scoping.user_county(current_user), request.args.get("run", type=int))
    report = conversion.report(run.id, scoping.scope_condition(ExpansionTally, current_user)) if run else None
    lists = [r for r, _count in targets.list_runs(scoping.user_county(current_user))]
    return render_template("expansion/conversion.html", run=run, report=report, lists=lists)

