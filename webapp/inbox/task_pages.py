"""One page per kind of human task: show it, validate its form, complete it."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from .. import engine
from ..models import RegistrationForm
from ..services import areas, audit
from ..services.casework import tasks
from ..services.casework.tasks import TaskRefused
from .forms import AssignHouseholdForm, ReviewForm, VisitForm
from ..models.base import utcnow
from ..formatting import task_title


def not_available_message(err):
    """Tell the loser of a race who finished the task."""
    if isinstance(err, engine.CaseHasIncident):
        return _("此案件的流程出现异常，暂不能办理，待管理员或督查人员处理后继续。")
    if isinstance(err, engine.TaskNotAvailable):
        who = getattr(err, "completed_by", None)
        if who is not None:
            return _("此任务已由 %(name)s 办理，无需重复提交。", name=who.display_name)
        return _("此任务已不在待办状态（可能已被他人办理）。")
    return str(err)


def _finish(row, action):
    """Run ``action`` (a service call completing ``row``), commit, and answer the user."""
    try:
        tasks.check_can_work(row, current_user)
        action()
        db.session.commit()
    except engine.TaskNotAvailable as err:
        db.session.rollback()
        flash(not_available_message(err), "error")
        return redirect(url_for("inbox.tasks_list"))
    except TaskRefused as err:
        db.session.rollback()
        flash(str(err), "error")
        return None
    if row.instance.status == "incident":
        # The work is saved; what came after it failed and is now an incident on the case page.
        flash(_("已提交，但之后的流程出现异常，案件暂停；已记录，管理员和督查人员可在“流程异常”中查看并重试。"), "error")
        return redirect(url_for("cases.case_page", case_id=row.case_id))
    flash(_("已提交：%(title)s", title=task_title(row.title)), "success")
    return redirect(url_for("inbox.tasks_list"))


def _render(row, template, **context):
    return render_template(template, row=row, case=row.case, can_work=_can_work(row), **context)


def _can_work(row):
    try:
        tasks.check_can_work(row, current_user)
        return True
    except TaskRefused:
        return False


def assign_household_page(row):
    """Distribution: choose the village and the visitor."""
    form = AssignHouseholdForm()
    villages = areas.villages_of(row.township_code)
    form.village_code.choices = [(v.code, v.name) for v in villages]
    # Each visitor carries its village, so the page offers only the chosen village's visitors.
    form.visitor_id.choices = [(u.id, f"{u.display_name}（{u.area.name}）", {"data-village": u.area.code})
                               for u in tasks.visitors_of_township(row.township_code)]
    if request.method == "GET" and row.case.village_code:
        form.village_code.data = row.case.village_code
    if form.validate_on_submit():
        answer = _finish(row, lambda: tasks.assign_household(row, current_user, form.village_code.data,
                                                             form.visitor_id.data))
        if answer is not None:
            return answer
    return _render(row, "inbox/task_assign.html", form=form)


def visit_household_page(row):
    """The door-to-door visit: registration forms per person, then the visit result."""
    form = VisitForm()
    if request.method == "GET":
        form.visit_date.data = utcnow().date()
    if form.validate_on_submit():
        answer = _finish(row, lambda: tasks.complete_visit(
            row, current_user, form.visit_result.data, form.visit_date.data, form.policy_explained.data,
            form.visit_comment.data))
        if answer is not None:
            return answer
    case = row.case
    audit.record(current_user, "view_household", "case", case.id)
    db.session.commit()
    return _render(row, "inbox/task_visit.html", form=form, filled=tasks.forms_of(case), revisit=tasks.revisit_of(row),
                   missing=tasks.missing_forms(case) if case.household else [])


def _review_page(form_class):
    def page(row):
        form = form_class()
        if form.validate_on_submit():
            answer = _finish(row, lambda: tasks.complete_review(row, current_user, form.decision.data,
                                                                form.comment.data))
            if answer is not None:
                return answer
        case = row.case
        forms = RegistrationForm.query.filter_by(case_id=case.id).order_by(RegistrationForm.id).all()
        audit.record(current_user, "view_household", "case", case.id)
        db.session.commit()
        return _render(row, "inbox/task_review.html", form=form, forms=forms)
    return page


TASK_PAGES = {
    "assign_household": assign_household_page,
    "visit_household": visit_household_page,
    "first_review": _review_page(ReviewForm),
    "county_audit_review": _review_page(ReviewForm),
}
