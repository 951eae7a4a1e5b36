"""The registration database: scoped, masked lists; full records only with an audit entry."""
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..attempts import attempt
from ..extensions import db
from ..models import ChangeRequest, InboxTask, Person, RegistrationHistory, VillageSurvey
from ..auth.decorators import roles_required
from ..exports import xlsx_response
from ..idnumber import mask_id
from ..labels import label
from ..services import audit, scoping
from ..services.casework import cases, changes, surveys
from ..changes.forms import ChangeRequestForm
from . import bp
from .start_routes import start_form

CHANGE_ROLES = ("agency", "township", "village")


def _filtered_persons():
    if current_user.role == "data_provider":
        abort(403)
    query = scoping.scoped(Person, current_user)
    text = (request.args.get("q") or "").strip()
    if text:
        query = query.filter(Person.name.contains(text) | (Person.id_number == text.upper()))
    return query, text


@bp.route("/persons")
@login_required
def persons():
    """Persons of the user's area; ID numbers masked."""
    query, text = _filtered_persons()
    page = request.args.get("page", 1, type=int)
    pagination = query.order_by(Person.id).paginate(page=page, per_page=current_app.config["PAGE_SIZE"],
                                                    error_out=False)
    return render_template("registry/persons.html", pagination=pagination, q=text)


@bp.route("/persons/export.xlsx")
@login_required
def persons_export():
    """The filtered person list as Excel: masked IDs, the user's area only, logged."""
    query, text = _filtered_persons()
    audit.record(current_user, "export", "person_list", detail=f"q={text}")
    db.session.commit()
    rows = ((p.name, mask_id(p.id_number), p.birth_date, p.township_code, p.village_code,
             (label(p.record.outcome_code, "OUTCOME_CODES") if p.record else ""),
             (label(bool(p.record.insured), "yes_no") if p.record else ""))
            for p in query.order_by(Person.id).yield_per(1000))
    return xlsx_response("persons.xlsx", _("登记库"), [_("姓名"), _("公民身份号码"), _("出生日期"), _("乡镇代码"),
                                                      _("村(社区)代码"), _("调查结果"), _("已参保")], rows,
                         id_columns=(1,))


@bp.route("/persons/<int:person_id>")
@login_required
def person(person_id):
    """One person's full record and history (the opening is logged)."""
    person = scoping.get_person_or_404(person_id, current_user)
    audit.record(current_user, "view_person", "person", person.id)
    db.session.commit()
    history = (RegistrationHistory.query.filter_by(person_id=person.id)
               .order_by(RegistrationHistory.changed_at.desc()).all())

    requests = ChangeRequest.query.filter_by(id_number=person.id_number).order_by(ChangeRequest.id.desc()).all()
    return render_template("registry/person.html", person=person, history=history, change_requests=requests,
                           can_change=current_user.role in CHANGE_ROLES, start=start_form("person"))


@bp.route("/persons/<int:person_id>/change", methods=["GET", "POST"])
@roles_required(*CHANGE_ROLES)
def request_change(person_id):
    """Raise a change to a person's registration; it is reviewed before it applies (services.changes)."""
    person = scoping.get_person_or_404(person_id, current_user)
    form = ChangeRequestForm()
    if form.validate_on_submit():
        with attempt(changes.ChangeRefused, done=_("变更申请已提交审核。")) as raised:
            change = changes.raise_request(form.kind.data, current_user, current_user.role, form.reason.data,
                                           form.new_value(), person=person, field=form.field.data or None,
                                           evidence=form.evidence.data)
            survey_task = _mark_survey(person)
        if raised:
            if survey_task is not None:  # back to the survey list, the household marked
                return redirect(url_for("inbox.task", task_id=survey_task))
            return redirect(url_for("cases.case_page", case_id=change.case_id))
    return render_template("registry/change.html", person=person, form=form)


def _mark_survey(person):
    """A change raised from a periodic survey marks the person's household there; returns the survey task id."""
    survey_id = request.args.get("survey", type=int)
    if not survey_id or person.household_id is None:
        return None
    survey = scoping.get_or_404(VillageSurvey, survey_id, current_user)
    surveys.mark(survey, person.household_id, "changes_raised", current_user)
    # The survey case's open task, whatever its step is called in the diagram.
    row = InboxTask.query.filter_by(case_id=survey.case_id, state="ready").order_by(InboxTask.id).first()
    return row.id if row is not None else None
