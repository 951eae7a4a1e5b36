"""The task inbox: my tasks, my team's unclaimed tasks, claiming, and working a task."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..attempts import attempt
from ..extensions import db
from ..form_kinds import kind_of
from ..idnumber import birth_date, sex
from ..landing import TASK_ROLES, landing_url
from ..models import InboxTask, RegistrationForm
from ..request_context import this_request, this_user
from ..services import audit, scoping
from ..services.casework import bulk_work, cases, inbox, steps, task_views, tasks
from ..services.casework.tasks import TaskRefused
from .. import engine
from .change_pages import CHANGE_PAGES
from .data_form_pages import DATA_FORM_PAGES
from .expansion_pages import EXPANSION_PAGES
from .problem_pages import PROBLEM_PAGES
from .quality_pages import QUALITY_PAGES
from .registration_forms import PersonRegistrationForm, saved_link
from .survey_pages import SURVEY_PAGES
from .inspection_pages import INSPECTION_PAGES
from .task_list import filters_markup, task_list_body
from .task_pages import PAGES as _CASE_PAGES, not_available_message
from . import bp

# FormKind.page (webapp/form_kinds.py) -> the renderer; which kind a task is comes from its diagram.
PAGES = {**_CASE_PAGES, **PROBLEM_PAGES, **CHANGE_PAGES, **SURVEY_PAGES, **QUALITY_PAGES,
         **DATA_FORM_PAGES, **INSPECTION_PAGES, **EXPANSION_PAGES}


def page_for(row):
    """The page function of inbox ``row``'s form kind, or None."""
    form_kind, _step = kind_of(row)
    return PAGES.get(form_kind.page) if form_kind is not None else None
BULK_LIMIT = 500  # one bulk action over "all matching" tasks works at most this many


@bp.route("/")
@login_required
def index():
    """Land on the role's start page (see webapp/landing.py)."""
    return redirect(landing_url(current_user))


def _filter_from(values):
    """The inbox filter named in a query string or in a bulk form's hidden fields."""
    return inbox.InboxFilter(view=values.get("view", "mine"), process_id=values.get("process") or None,
                             area_code=values.get("area") or None, due=values.get("due") or None,
                             sort=values.get("sort", "due"), text=values.get("q") or None)


def _chosen_ids():
    """The tasks a bulk action applies to: the ticked ones, or every task the filter matches
    (across pages, at most BULK_LIMIT) when "all matching" was ticked."""
    if request.form.get("all_matching"):
        rows, _total = inbox.list_tasks(current_user, _filter_from(request.form), 1, BULK_LIMIT)
        return [row.id for row in rows]
    return request.form.getlist("task_ids", type=int)


@bp.route("/inbox")
@login_required
def tasks_list():
    """My tasks or the team's unclaimed tasks, filtered, sorted and paginated."""
    user = this_user()
    if user.role not in TASK_ROLES:
        return redirect(landing_url(user))  # no lane: the inbox would always be empty
    flt = _filter_from(request.args)
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total, counts = inbox.page_and_counts(user, flt, page, per_page)
    choices, bulk = inbox.area_choices(user), None
    if user.role == "township":
        # The township's villages are the area filter's choices already: not asked twice.
        bulk = {"villages": choices[0][1] if choices else [],
                "visitors": tasks.visitors_of_township(user.area.township_code)}
    # Which bulk actions the page offers comes from its rows' diagrams: the steps that allow bulk
    # approval, and the distribution form kind.
    bulk_steps = steps.page_flags(rows) if user.role == "township" else None
    # The team's tasks are picked to claim them, a township's own to approve or assign them at once.
    selectable = flt.view == "team" or user.role == "township"
    # The rows as plain texts and links (their area names read with them), then as markup.
    body = task_list_body(rows, flt.view, selectable)
    filters = filters_markup(flt, counts, choices, user.role == "village")
    return render_template("inbox/list.html", rows=rows, body=body, total=total, page=page, per_page=per_page, flt=flt,
                           filters=filters, bulk=bulk, bulk_steps=bulk_steps, selectable=selectable)


def _ready_task(task_id, may):
    """Inbox row ``task_id`` in the user's scope (else 404), still ready and one the user ``may``
    take or give back (else 403)."""
    row = scoping.get_task_or_404(task_id, current_user)
    if row.state != "ready" or not may(row):
        abort(403)
    return row


@bp.route("/inbox/tasks/<int:task_id>/claim", methods=["POST"])
@login_required
def claim(task_id):
    """Take a team task."""
    row = _ready_task(task_id, lambda row: row.lane == current_user.role)
    with attempt(TaskRefused, done=_("已认领。")) as claimed:
        if not cases.claim(row, current_user):
            raise TaskRefused(_("此任务已被他人认领。"))
    return redirect(url_for("inbox.task", task_id=task_id) if claimed else url_for("inbox.tasks_list", view="team"))


@bp.route("/inbox/tasks/<int:task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id):
    """Give a task back to the team."""
    row = _ready_task(task_id, lambda row: row.assignee_id == current_user.id)
    with attempt(done=_("已退回团队待领任务。")):
        cases.unclaim(row, current_user)
    return redirect(url_for("inbox.tasks_list"))


@bp.route("/inbox/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    """Show a task and, on POST, complete it through its task page."""
    # A page shown (a GET) only reads the task and its case: plain values, not ORM objects
    # (services/casework/task_views.py); a POST changes them through the ORM rows, read with the
    # instance's lock its completion takes (PostgreSQL; the completion reuses them).
    if this_request().method == "GET":
        row = task_views.task_view_or_404(task_id, this_user())
    else:
        row = tasks.task_to_complete_or_404(task_id, this_user())
    page = page_for(row)
    if page is None:
        abort(404)
    return page(row)


@bp.route("/inbox/assign", methods=["POST"])
@login_required
def bulk_assign():
    """Assign many households to one village and visitor at once."""
    if current_user.role != "township":
        abort(403)
    ids = _chosen_ids()
    done, refused = 0, []
    for task_id in ids:
        row = db.session.get(InboxTask, task_id)
        if row is None or not scoping.in_scope(row, current_user):
            abort(404)
        if not steps.has_form(row, "assign_household"):
            refused.append(row.case.title + "：" + _("不是分配任务，未分配。"))
            continue
        try:
            if row.assignee_id is None and not cases.claim(row, current_user):
                raise TaskRefused(_("此任务已被他人认领。"))
            tasks.check_can_work(row, current_user)
            tasks.assign_household(row, current_user, request.form.get("village_code", ""),
                                   request.form.get("visitor_id", 0, type=int))
            db.session.commit()
            done += 1
        except (TaskRefused, engine.TaskNotAvailable) as err:
            db.session.rollback()
            refused.append(f"{row.case.title}：{not_available_message(err)}")
    flash(_("已分配 %(n)s 户。", n=done), "success" if done else "error")
    for message in refused[:10]:
        flash(message, "error")
    return redirect(url_for("inbox.tasks_list", view=request.form.get("view", "team")))


@bp.route("/inbox/claim", methods=["POST"])
@login_required
def bulk_claim():
    """Claim the chosen team tasks at once."""
    done, refused = bulk_work.run_each(_chosen_ids(), current_user,
                                       bulk_work.claim_one)
    _flash_bulk(_("已认领 %(n)s 项任务。", n=done), done, refused)
    return redirect(url_for("inbox.tasks_list", view="mine" if done else "team"))


@bp.route("/inbox/approve", methods=["POST"])
@login_required
def bulk_approve():
    """Approve the chosen first reviews whose visits raise no warning (each recorded on its case)."""
    if current_user.role != "township":
        abort(403)
    done, refused = bulk_work.run_each(_chosen_ids(), current_user,
                                       bulk_work.approve_one)
    _flash_bulk(_("已批量初审通过 %(n)s 户。", n=done), done, refused)
    return redirect(url_for("inbox.tasks_list", view=request.form.get("view", "mine")))


def _flash_bulk(summary, done, refused):
    flash(summary, "success" if done else "error")
    for message in refused[:10]:
        flash(message, "error")
    if len(refused) > 10:
        flash(_("另有 %(n)s 项未办理。", n=len(refused) - 10), "error")


def visit_task_for_forms(task_id):
    """The visit task ``task_id`` whose registration forms (and photos) the user may fill in:
    404 outside the user's area or for another kind of task, 403 when not theirs to work."""
    return _checked_visit_task(scoping.get_task_or_404(task_id, current_user))


def _checked_visit_task(row):
    # 404 for another kind of task, 403 when not the user's to work
    if not steps.has_form(row, "visit"):  # the registration forms belong to the visit form kind
        abort(404)
    try:
        tasks.check_can_work(row, this_user())
    except (TaskRefused, engine.TaskNotAvailable):
        abort(403)
    return row


@bp.route("/inbox/tasks/<int:task_id>/forms/new", methods=["GET", "POST"])
@bp.route("/inbox/tasks/<int:task_id>/forms/<int:person_id>", methods=["GET", "POST"])
@bp.route("/inbox/tasks/<int:task_id>/forms/added/<int:form_id>", methods=["GET", "POST"])
@login_required
def registration_form(task_id, person_id=None, form_id=None):
    """Fill or correct the registration form of one person (or of a person not yet listed)."""
    person = added = None
    user = this_user()
    if person_id is None:
        row = visit_task_for_forms(task_id)
    else:  # the person read with the task (one statement), checked after it as visit_task_for_forms does
        row, person = tasks.task_and_person_for_form(task_id, person_id, user)
        _checked_visit_task(row)
    case = row.case
    if person_id is not None and (person is None or person.household_id != case.household_id):
        abort(404)
    if form_id is not None:
        # A person added during this visit: still only a form, editable until the audit.
        added = db.session.get(RegistrationForm, form_id)
        if added is None or added.case_id != case.id or added.person_id is not None:
            abort(404)
    form = PersonRegistrationForm()
    if request.method == "GET" and person is not None:
        stored = RegistrationForm.query.filter_by(case_id=case.id, id_number=person.id_number).one_or_none()
        form.name.data, form.id_number.data = person.name, person.id_number
        form.sex.data = person.sex or sex(person.id_number)
        form.birth_date.data = person.birth_date or birth_date(person.id_number)
        form.relation_to_head.data = person.relation_to_head
        form.hukou_address.data = person.hukou_address or (case.household.address if case.household else "")
        if stored is not None:
            form.load(stored.data)
    elif request.method == "GET" and added is not None:
        form.name.data, form.id_number.data = added.name, added.id_number
        form.load(added.data)
    if form.validate_on_submit():
        if person is not None and form.id_number.data != person.id_number:
            flash(_("公民身份号码与户籍信息不一致，身份号码变更请走动态变更流程。"), "error")
        else:
            with attempt(TaskRefused) as saved:
                saved_id = tasks.save_registration_form(row, user, form.id_number.data, form.name.data,
                                                        form.stored_data(), person, record=added)
            if saved:
                # task_id: row.id would reload the row. The confirmation goes with the link.
                return redirect(saved_link(task_id, saved_id))
    audited = bool(form.id_number.data)
    if audited:
        # The form's input holds the full ID number: showing it is audited like opening a record.
        audit.record(user, "view_registration_form", "person" if person else "case",
                     person.id if person else case.id)
    html = render_template("inbox/registration_form.html", row=row, case=case, person=person, form=form,
                           added=added)
    if audited:  # after rendering (a commit expires what the page shows), before sending
        db.session.commit()
    return html


# ``added_persons(case)`` for the household table (people added during the visit, before audit): a
# template global, not a context processor (called on every page rendered).
bp.add_app_template_global(tasks.added_persons, "added_persons")
