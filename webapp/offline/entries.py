"""Entries a phone queued, checked exactly as the online pages check them: the same WTForms
forms (webapp/inbox/) and the same services (tasks.save_registration_form, tasks.complete_visit)."""
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import engine
from ..extensions import db
from ..inbox.forms import VisitForm
from ..inbox.registration_forms import PersonRegistrationForm
from ..models import Person
from ..services.casework import tasks


def form_data(data):
    """The submitted values as the MultiDict WTForms reads (booleans ticked only when true)."""
    values = MultiDict()
    for name, value in (data or {}).items():
        if isinstance(value, bool):
            if value:
                values.add(name, "y")
        elif value is not None:
            values.add(name, str(value))
    return values


def form_errors(form):
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def apply_form(row, user, data):
    """Validate and save one person's registration form exactly as the online page does."""
    form = PersonRegistrationForm(formdata=form_data(data), meta={"csrf": False})
    if not form.validate():
        return {"status": "refused", "message": _("登记表未通过校验，请修改后重新保存。"), "errors": form_errors(form)}
    person = None
    if data.get("person_id"):
        person = db.session.get(Person, int(data["person_id"]))
        if person is None or person.household_id != row.case.household_id:
            return {"status": "refused", "message": _("该人员不属于本户。")}
        if form.id_number.data != person.id_number:
            return {"status": "refused", "message": _("公民身份号码与户籍信息不一致，身份号码变更请走动态变更流程。")}
    try:
        form_id = tasks.save_registration_form(row, user, form.id_number.data, form.name.data, form.stored_data(),
                                               person)
    except tasks.TaskRefused as err:
        return {"status": "refused", "message": str(err)}
    db.session.flush()
    # The name as stored (the service strips it).
    return {"status": "done", "message": _("已保存 %(name)s 的登记表。", name=form.name.data.strip()),
            "form_id": form_id}


def apply_visit(row, user, data):
    """Validate and complete the visit exactly as the online page does."""
    form = VisitForm(formdata=form_data(data), meta={"csrf": False})
    if not form.validate():
        return {"status": "refused", "message": _("入户结果未通过校验。"), "errors": form_errors(form)}
    try:
        tasks.complete_visit(row, user, form.visit_result.data, form.visit_date.data, form.policy_explained.data,
                             form.visit_comment.data)
    except tasks.TaskRefused as err:
        return {"status": "refused", "message": str(err)}
    except engine.TaskNotAvailable:
        return None  # lost a race: told as a conflict by the caller
    return {"status": "done", "message": _("入户调查已提交。")}


def apply(kind, row, user, data):
    """Apply one entry of ``kind`` ('form' or 'visit') to visit task ``row`` (see offline.sync_one)."""
    return apply_form(row, user, data) if kind == "form" else apply_visit(row, user, data)
