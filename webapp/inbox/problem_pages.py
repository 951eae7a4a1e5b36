"""The agency's problem-data tasks: investigate, then resolve with an outcome.

The page shows the problem record the case was opened for (from the
comparison run), so the agency sees what is wrong without looking it up.
"""
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..intake.compare import PROBLEM_LABELS
from ..models import ProblemRecord
from ..services import cases

PROBLEM_OUTCOMES = (("id_corrected", _l("已更正身份证号")), ("records_merged", _l("已合并重复记录")),
                    ("contribution_stopped", _l("已停止重复缴费")), ("benefit_stopped", _l("已停发并追回待遇")),
                    ("not_a_problem", _l("经核实不是问题")))


class InvestigationForm(FlaskForm):
    """What the agency found out."""

    investigation_note = TextAreaField(_l("调查情况"), validators=[DataRequired(), Length(max=2000)])


class ResolutionForm(FlaskForm):
    """How the problem was resolved."""

    problem_outcome = RadioField(_l("处理结果"), choices=PROBLEM_OUTCOMES, validators=[InputRequired()])
    resolution_note = TextAreaField(_l("处理说明"), validators=[DataRequired(), Length(max=2000)])


def _records(case):
    return ProblemRecord.query.filter_by(case_id=case.id).order_by(ProblemRecord.id.desc()).limit(1).all()


def _page(form_class, fields):
    from .task_pages import _can_work, _finish  # the inbox's own completion path

    def page(row):
        form = form_class()
        if form.validate_on_submit():
            data = {name: getattr(form, name).data for name in fields}
            answer = _finish(row, lambda: cases.complete(row, current_user, data))
            if answer is not None:
                return answer
        return render_template("inbox/task_problem.html", row=row, case=row.case, can_work=_can_work(row),
                               form=form, records=_records(row.case), labels=PROBLEM_LABELS)
    return page


investigate_problem_page = _page(InvestigationForm, ("investigation_note",))
resolve_problem_page = _page(ResolutionForm, ("problem_outcome", "resolution_note"))
