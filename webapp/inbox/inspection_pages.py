"""The employer inspection's two steps (用工检查): the notice, then the re-check and outcome.

The notice step records the notice served on the employer (printable as a PDF from the employer
pages) or decides the employer is not liable. The re-check step shows the employer in every
comparison run since the inspection began (a later run showing people enrolled there is the
evidence of rectification), the attached documents, and takes the outcome.
"""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .. import clock
from ..extensions import db
from ..labels import INSPECTION_OUTCOMES
from ..services import audit
from ..services.casework import cases, inspections
from .task_pages import render_task_page, task_page  # the inbox's own completion path


class NoticeForm(FlaskForm):
    """The rectification notice served on the employer, or "not liable" with the reason."""

    notice_decision = RadioField(_l("检查结论"), choices=[("issued", _l("已送达整改通知")),
                                                      ("not_liable", _l("不属于参保责任单位"))],
                                 validators=[InputRequired()])
    notice_number = StringField(_l("通知书编号"), validators=[Optional(), Length(max=40)])
    notice_date = DateField(_l("通知日期"), validators=[Optional()])
    rectify_by = DateField(_l("整改期限"), validators=[Optional()])
    notice_text = TextAreaField(_l("通知内容"), validators=[Optional(), Length(max=4000)])
    notice_comment = TextAreaField(_l("说明"), validators=[Length(max=1000)])

    def validate_notice_comment(self, field):
        if self.notice_decision.data == "not_liable" and not (field.data or "").strip():
            raise ValidationError(_l("认定不属于参保责任单位时必须写明理由。"))

    def validate_rectify_by(self, field):
        if self.notice_decision.data == "issued" and (field.data is None or self.notice_date.data is None):
            raise ValidationError(_l("请填写通知日期和整改期限。"))


class OutcomeForm(FlaskForm):
    """The outcome of the inspection after the re-check."""

    inspection_outcome = RadioField(_l("处理结果"), choices=list(INSPECTION_OUTCOMES), validators=[InputRequired()])
    outcome_note = TextAreaField(_l("处理说明"), validators=[Length(max=2000)])


def _notice(row, form, inspection):
    decision, comment = form.notice_decision.data, (form.notice_comment.data or "").strip()
    if decision == "issued":
        inspections.record_notice(inspection, form.notice_number.data, form.notice_date.data,
                                  form.rectify_by.data, form.notice_text.data, current_user)
    else:
        inspections.close(inspection, "not_liable", comment, current_user)
    cases.complete(row, current_user, {"notice_decision": decision, "notice_comment": comment})


@task_page(NoticeForm, _notice, inspections.InspectionRefused, subject_of=inspections.inspection_of_case)
def notice_page(row, form, inspection):
    """Record the notice (or not liable) for the inspection's employer."""
    if not form.is_submitted():
        today = clock.now().date()
        form.notice_date.data, form.rectify_by.data = today, inspections.default_deadline(today)
    return render_task_page(row, "inbox/task_inspection_notice.html", form=form, inspection=inspection)


def _outcome(row, form, inspection):
    outcome, note = form.inspection_outcome.data, (form.outcome_note.data or "").strip()
    inspections.close(inspection, outcome, note, current_user)
    cases.complete(row, current_user, {"inspection_outcome": outcome, "outcome_note": note})


@task_page(OutcomeForm, _outcome, inspections.InspectionRefused, subject_of=inspections.inspection_of_case)
def outcome_page(row, form, inspection):
    """The re-check against later comparison runs, the documents, and the outcome."""
    audit.record(current_user, "view_employer", "employer_inspection", inspection.id)
    db.session.commit()
    return render_task_page(row, "inbox/task_inspection_outcome.html", form=form, inspection=inspection,
                   rechecks=inspections.rechecks(inspection), verdict=inspections.recheck_verdict(inspection),
                   documents=inspections.documents_of(inspection))


# FormKind.page -> renderer (webapp/form_kinds.py: inspection_notice, inspection_outcome).
INSPECTION_PAGES = {"inspection_notice": notice_page, "inspection_outcome": outcome_page}
