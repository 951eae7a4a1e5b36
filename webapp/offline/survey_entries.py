"""Survey entries a phone queued (定期调查 offline), checked as the online pages check them: the
change form of the registry pages (changes.forms.ChangeRequestForm), the survey's completion form,
and the same services (surveys.mark, changes.raise_request, cases.complete)."""
from flask_babel import gettext as _

from .. import engine
from ..changes.forms import ChangeRequestForm
from ..inbox.survey_pages import SurveyDoneForm
from ..services.casework import cases, changes, offline_surveys, surveys
from .entries import _errors, _form_data

KINDS = offline_surveys.KINDS
CHANGE_PREFIX = "change"  # the offline page's ids stay apart from the registration form's


def _confirm(survey, user, data):
    row = offline_surveys.household_of(survey, data.get("household_id"))
    if row is None:
        return {"status": "refused", "message": offline_surveys.not_on_survey_message()}
    surveys.mark(survey, row.household_id, "confirmed", user)
    if row.outcome == "changes_raised":
        return {"status": "done", "message": _("该户已申报变更，保持“已申报变更”。")}
    return {"status": "done", "message": _("已确认该户无变化。")}


def _change(survey, user, data):
    row = offline_surveys.household_of(survey, data.get("household_id"))
    if row is None:
        return {"status": "refused", "message": offline_surveys.not_on_survey_message()}
    person = offline_surveys.person_on(row, data.get("person_id"))
    if person is None:
        return {"status": "refused", "message": _("该人员不属于本户。")}
    form = ChangeRequestForm(formdata=_form_data(data), meta={"csrf": False}, prefix=CHANGE_PREFIX)
    if not form.validate():
        return {"status": "refused", "message": _("变更申请未通过校验，请修改后重新保存。"), "errors": _errors(form)}
    try:
        field = changes.field_for(form.kind.data, form.field.data or None)
        if offline_surveys.seen_differs(field, person, data.get("seen_value")):
            return "changed"  # the registry moved on since the download: kept for the reviewer
        changes.raise_request(form.kind.data, user, "village", form.reason.data, form.new_value(), person=person,
                              field=form.field.data or None, evidence=form.evidence.data)
    except changes.ChangeRefused as err:
        return {"status": "refused", "message": str(err)}
    surveys.mark(survey, row.household_id, "changes_raised", user)
    return {"status": "done", "message": _("已提交 %(name)s 的变更申请。", name=person.name)}


def _done(task, survey, user, data):
    form = SurveyDoneForm(formdata=_form_data(data), meta={"csrf": False})
    if not form.validate():
        return {"status": "refused", "message": _("调查说明过长。"), "errors": _errors(form)}
    try:
        surveys.check_complete(survey)
        cases.complete(task, user, {"survey_note": (form.survey_note.data or "").strip()})
    except surveys.SurveyRefused as err:
        return {"status": "refused", "message": str(err)}
    except engine.TaskNotAvailable:
        return None  # lost a race: told as a conflict by the caller
    surveys.finish(survey)
    return {"status": "done", "message": _("定期调查已提交。")}


def apply(kind, task, user, data):
    """Apply one survey entry of ``kind`` to survey task ``task`` (see offline.sync_one).

    Returns the result, None when the task was gone, or "changed" when a change saw a value the
    registry no longer holds (a conflict, kept on the case)."""
    survey = surveys.survey_of_case(task.case)
    if survey is None or survey.status != "open":
        return None
    if kind == "survey_confirm":
        return _confirm(survey, user, data)
    if kind == "survey_change":
        return _change(survey, user, data)
    return _done(task, survey, user, data)
