"""The household page and 发起流程: staff start a deployed process on a household or a person.

Which processes a role may start on which kind of subject is read from the diagrams
(services/casework/starting.py); these views only check the subject lies in the user's area,
call the service, commit and go to the new case.
"""
from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from ..attempts import attempt
from ..extensions import db
from ..models import Case
from ..processes.labels import process_label
from ..request_context import this_user
from ..services import audit, scoping
from ..services.casework import starting
from ..url_cache import cached_url_for
from . import bp


class StartProcessForm(FlaskForm):
    """Which deployed process to start on this household or person."""

    process_id = SelectField(_l("流程"), validators=[DataRequired()])


def start_form(subject_kind):
    """The 发起流程 form for the current user, or None when their role may start nothing here."""
    choices = [(info.process_id, process_label(info.process_id))
               for info in starting.startable(current_user, subject_kind)]
    if not choices:
        return None
    form = StartProcessForm()
    form.process_id.choices = choices
    return form


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id):
    """One household: its members, its cases, and the processes the user may start on it (logged)."""
    if current_user.role == "data_provider":
        abort(403)
    household = scoping.get_household_or_404(household_id, current_user)
    audit.record(current_user, "view_household", "household", household.id)
    db.session.commit()
    household_cases = Case.query.filter_by(household_id=household.id).order_by(Case.id.desc()).all()
    return render_template("registry/household.html", household=household, cases=household_cases,
                           start=start_form("household"))


def _start(subject_kind, subject):
    form = start_form(subject_kind)
    if form is None or not form.validate_on_submit():
        abort(400 if form is not None else 403)
    with attempt(starting.StartRefused, done=_("已发起流程：%(title)s", title=process_label(form.process_id.data))) \
            as started:
        case_id = starting.start(form.process_id.data, subject_kind, subject, current_user).id
    if not started:
        return None
    return redirect(url_for("cases.case_page", case_id=case_id))


@bp.route("/households/<int:household_id>/start", methods=["POST"])
@login_required
def start_on_household(household_id):
    """Start a process on a household of the user's area."""
    household = scoping.get_household_or_404(household_id, current_user)
    return _start("household", household) or redirect(url_for("registry.household", household_id=household.id))


@bp.route("/persons/<int:person_id>/start", methods=["POST"])
@login_required
def start_on_person(person_id):
    """Start a process on a person of the user's area."""
    person = scoping.get_person_or_404(person_id, current_user)
    return _start("person", person) or redirect(url_for("registry.person", person_id=person.id))


@bp.app_template_global()
def household_page_url(household):
    """The household page's address when the current user may open it (in their area), else None;
    the shared household block on case and task pages links it only then."""
    user = this_user()
    if household is None or not user.is_authenticated or not scoping.in_scope(household, user):
        return None
    return cached_url_for("registry.household", household_id=household.id)  # (every task page asks)
