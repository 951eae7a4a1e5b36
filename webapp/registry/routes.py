"""The registration database: scoped, masked lists; full records only with an audit entry."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Person, RegistrationHistory
from ..services import audit, cases, scoping
from .forms import ChangeRequestForm

bp = Blueprint("registry", __name__, url_prefix="/registry")
CHANGE_ROLES = ("agency", "township")


@bp.route("/persons")
@login_required
def persons():
    """Persons of the user's area; ID numbers masked."""
    if current_user.role == "data_provider":
        abort(403)
    query = scoping.scoped(Person, current_user)
    text = (request.args.get("q") or "").strip()
    if text:
        query = query.filter(Person.name.contains(text) | (Person.id_number == text.upper()))
    page = request.args.get("page", 1, type=int)
    pagination = query.order_by(Person.id).paginate(page=page, per_page=current_app.config["PAGE_SIZE"],
                                                    error_out=False)
    return render_template("registry/persons.html", pagination=pagination, q=text)


@bp.route("/persons/<int:person_id>")
@login_required
def person(person_id):
    """One person's full record and history (the opening is logged)."""
    person = scoping.get_person_or_404(person_id, current_user)
    audit.record(current_user, "view_person", "person", person.id)
    db.session.commit()
    history = (RegistrationHistory.query.filter_by(person_id=person.id)
               .order_by(RegistrationHistory.changed_at.desc()).all())
    return render_template("registry/person.html", person=person, history=history,
                           can_change=current_user.role in CHANGE_ROLES)


@bp.route("/persons/<int:person_id>/change", methods=["GET", "POST"])
@login_required
def request_change(person_id):
    """Raise a change to a person's registration; it is reviewed before it applies."""
    if current_user.role not in CHANGE_ROLES:
        abort(403)
    person = scoping.get_person_or_404(person_id, current_user)
    form = ChangeRequestForm()
    if form.validate_on_submit():
        changes = form.changes()
        if not changes:
            flash(_("没有填写任何变更内容。"), "error")
        else:
            area = _person_area(person)
            case = cases.start_case("dynamic_change", "dynamic_change", _("%(name)s 的登记变更", name=person.name),
                                    area, actor=current_user, person=person,
                                    payload={"changes": changes, "reason": form.reason.data})
            cases.add_event(case, "change_requested", current_user, comment=form.reason.data)
            audit.record(current_user, "request_change", "person", person.id, detail=str(changes))
            db.session.commit()
            flash(_("变更申请已提交县级审核。"), "success")
            return redirect(url_for("cases.case_page", case_id=case.id))
    return render_template("registry/change.html", person=person, form=form)


def _person_area(person):
    from ..models import Area

    code = person.village_code or person.township_code or f"{person.county_code}000000"
    return Area.query.filter_by(code=code).one()
