"""One page per kind of human task: show it, validate its form, complete it."""
from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from ..attempts import attempt
from ..extensions import db
from .. import engine
from ..models import RegistrationForm
from ..request_context import this_request, this_user
from ..services import areas, audit
from ..services.casework import tasks
from ..services.casework.tasks import TaskRefused
from .. import fragments
from .forms import AssignHouseholdForm, ReviewForm, VisitForm
from .registration_forms import saved_notices
from ..models.base import utcnow
from ..formatting import task_title
from ..translation_cache import current_locale_name
from ..url_cache import cached_url_for
from . import bp


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


def finish_task(row, action, *refusals):
    """Run ``action`` (a service call completing ``row``), commit, and answer the user.

    The answer is a redirect, or None when the page is to be shown again: on a refusal (the
    task's own, or one of the service's ``refusals``), flashed as the reason. A task that is no
    longer there to work (someone else finished it, the case stopped) sends the user to the list.
    """
    with attempt(TaskRefused, engine.TaskNotAvailable, *refusals, say=not_available_message) as finished:
        tasks.check_can_work(row, this_user())
        action()
        # What the answer needs, read before the commit expires the rows (reading after it
        # would load the task and its instance again).
        stopped, case_id, title = row.instance.status == "incident", row.case_id, row.title
    if isinstance(finished.refusal, engine.TaskNotAvailable):
        return redirect(url_for("inbox.tasks_list"))
    if not finished:
        return None
    if stopped:
        # The work is saved; what came after it failed and is now an incident on the case page.
        flash(_("已提交，但之后的流程出现异常，案件暂停；已记录，管理员和督查人员可在“流程异常”中查看并重试。"), "error")
        return redirect(url_for("cases.case_page", case_id=case_id))
    flash(_("已提交：%(title)s", title=task_title(title)), "success")
    return redirect(url_for("inbox.tasks_list"))


def finish_submitted(row, form, action, *refusals):
    """The first half of every task page: a valid post of ``form`` finishes ``row`` by ``action``
    (see :func:`finish_task`; ``refusals`` the service's refusals shown on the page). The answer to
    send, or None when the page is to be shown (a GET, an invalid post, a refusal already flashed)."""
    return finish_task(row, action, *refusals) if form.validate_on_submit() else None


def task_page(form_class, complete, *refusals, subject_of=None, audited=None):
    """Make a task page of its two halves: a valid post of ``form_class`` completes the task by
    ``complete(row, form)`` (see :func:`finish_task`; ``refusals`` the service's refusals shown on
    the page); otherwise the decorated ``show(row, form)`` answers (a GET, an invalid post, a
    refusal already flashed). The page is called with the row, as every renderer of PAGES is.

    ``subject_of(case)``: what the task is about (the case's survey, inspection, ...), read once
    and passed to both halves after the form. ``audited``: the action of the audit line for the
    case's personal data the page shows, committed after rendering (the commit would expire what
    the page shows) and before sending (no page goes out without its audit line).
    """
    def page_of(show):
        @wraps(show)
        def page(row):
            form = form_class()
            subject = () if subject_of is None else (subject_of(row.case),)
            answer = finish_submitted(row, form, lambda: complete(row, form, *subject), *refusals)
            if answer is not None:
                return answer
            if audited is not None:
                audit.record(current_user, audited, "case", row.case_id)
            html = show(row, form, *subject)
            if audited is not None:
                db.session.commit()
            return html
        return page
    return page_of


def render_task_page(row, template, user=None, **context):
    """The task's page with the row, its case and whether the user may work it (``user``: the
    request's user when the caller holds it, else looked up)."""
    return render_template(template, row=row, case=row.case, can_work=can_work(row, user), **context)


def _render_audited(row, template, written=False, user=None, **context):
    """Render a page that shows personal data, then commit its audit record (``written``: already
    written with the page's reads; ``user``: the request's user when the caller holds it).

    Rendered first, so the commit does not expire the rows the page shows (they would all be
    loaded again); sent only after the commit, so no page goes out without its audit record.
    """
    if not written:
        audit.write(current_user, "view_household", "case", row.case_id)
    html = render_task_page(row, template, user, **context)
    db.session.commit()
    return html


def can_work(row, user=None):
    """Whether the page offers the task's form: not when it is someone else's or already done
    (a finished task is shown read-only, as two sessions of one assistant may race to it).
    ``user``: the request's user when the caller holds it (resolving the proxy again costs)."""
    try:
        tasks.check_can_work(row, this_user() if user is None else user)
        return True
    except (TaskRefused, engine.TaskNotAvailable):
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
    answer = finish_submitted(row, form, lambda: tasks.assign_household(row, current_user, form.village_code.data,
                                                                        form.visitor_id.data))
    if answer is not None:
        return answer
    return render_task_page(row, "inbox/task_assign.html", form=form)


def visit_household_page(row):
    """The door-to-door visit: registration forms per person, then the visit result."""
    shown = this_request().method == "GET"
    if shown:
        # The empty form of the day, rendered once per language (webapp/fragments.py): the form
        # is only built when its fields are not remembered yet.
        today = utcnow().date()
        visit_fields = fragments.remembered_fields(_VISIT_FIELDS, today, lambda: _empty_visit_form(today))
    else:
        form = VisitForm()
        if form.validate_on_submit():
            answer = finish_task(row, lambda: tasks.complete_visit(
                row, this_user(), form.visit_result.data, form.visit_date.data, form.policy_explained.data,
                form.visit_comment.data))
            if answer is not None:
                return answer
        visit_fields = fragments.form_fields(_VISIT_FIELDS, form)
    case, user = row.case, this_user()
    # Rows, not objects: the page only shows them (fewer statements, nothing to build or track);
    # the page's audit event goes with them (one statement on PostgreSQL).
    household, members, last, filled = tasks.household_forms_and_last_completion(
        case.household_id, case.id, audited=(user, "view_household", "case", row.case_id))
    # The forms of people added during the visit are among those just read.
    added_forms = sorted((f for f in filled.values() if f.person_id is None), key=lambda f: f.id)
    return _render_audited(row, "inbox/task_visit.html", written=True, user=user, filled=filled,
                           revisit=tasks.revisit_of(row, last), household_rows=(household, members), visit_fields=visit_fields,
                           missing=[p for p in members if p.id_number not in filled],
                           added_forms=added_forms if case.status != "completed" else [],
                           notices=saved_notices(filled) if shown else [])


_VISIT_FIELDS = "inbox/_visit_fields.html"
_VISIT_SECTION_SLOTS = {"s": {name: fragments.slot(name) for name in ("form_url", "missing", "token", "fields")}}


@bp.app_template_global()
def visit_section(task_id, missing, visit_fields):
    """The visit's own card on its page (templates/inbox/_visit_section.html): the link adding a
    person to task ``task_id``'s household, the ``missing`` members' names, the visit form with
    its ``visit_fields`` (markup). A pattern kept per language and whether any member is missing
    (``fragments.slotted``), filled with the page's texts and CSRF token."""
    pattern = fragments.slotted("visit_sections", (current_locale_name(), bool(missing)), "inbox/_visit_section.html",
                                missing=bool(missing), **_VISIT_SECTION_SLOTS)
    # The names joined by "、" as the template printed them, each escaped ("、" escapes to itself).
    names = "、".join(str(person.name) for person in missing)
    return pattern.fill({"form_url": cached_url_for("inbox.registration_form", task_id=task_id), "missing": names},
                        {"fields": visit_fields, "token": escape(generate_csrf())})


def _empty_visit_form(today):
    form = VisitForm()
    form.visit_date.data = today
    return form


def _review_page(form_class):
    def page(row):
        form = form_class()
        answer = finish_submitted(row, form, lambda: tasks.complete_review(row, current_user, form.decision.data,
                                                                           form.comment.data))
        if answer is not None:
            return answer
        case = row.case
        forms = RegistrationForm.query.filter_by(case_id=case.id).order_by(RegistrationForm.id).all()
        return _render_audited(row, "inbox/task_review.html", form=form, forms=forms)
    return page


# The renderers behind FormKind.page (webapp/form_kinds.py): which kind a task is comes from
# its diagram, never from its id. The change review and the survey pages are in change_pages.py
# and survey_pages.py.
PAGES = {
    "assign": assign_household_page,
    "visit": visit_household_page,
    "review": _review_page(ReviewForm),
}
