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

from ..models import CaseEvent, ProblemRecord
from ..services.casework import cases
from .task_pages import can_work, finish_task  # the inbox's own completion path

from ..labels import GROUPS, PROBLEM_OUTCOMES  # noqa: E402 (one labelling layer)


class InvestigationForm(FlaskForm):
    """What the agency found out."""

    investigation_note = TextAreaField(_l("调查情况"), validators=[DataRequired(), Length(max=2000)])


class ResolutionForm(FlaskForm):
    """How the problem was resolved."""

    problem_outcome = RadioField(_l("处理结果"), choices=PROBLEM_OUTCOMES, validators=[InputRequired()])
    resolution_note = TextAreaField(_l("处理说明"), validators=[DataRequired(), Length(max=2000)])


def _records(case):
    return ProblemRecord.query.filter_by(case_id=case.id).order_by(ProblemRecord.id.desc()).limit(1).all()


def _investigation(case):
    """The investigation's timeline line (its note and who wrote it), shown on the resolve step."""
    return (CaseEvent.query.filter_by(case_id=case.id, kind="task_completed", task_name="investigate_problem")
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).first())


def _page(form_class, fields):
    def page(row):
        form = form_class()
        if form.validate_on_submit():
            data = {name: getattr(form, name).data for name in fields}
            answer = finish_task(row, lambda: cases.complete(row, current_user, data))
            if answer is not None:
                return answer
        return render_template("inbox/task_problem.html", row=row, case=row.case, can_work=can_work(row),
                               form=form, records=_records(row.case), labels=GROUPS["problem_type"],
                               investigation=_investigation(row.case) if row.task_name == "resolve_problem" else None)
    return page


investigate_problem_page = _page(InvestigationForm, ("investigation_note",))
resolve_problem_page = _page(ResolutionForm, ("problem_outcome", "resolution_note"))

# Renderers of the problem-data form kinds, by FormKind.page (webapp/form_kinds.py).
PROBLEM_PAGES = {"investigate": investigate_problem_page, "resolve": resolve_problem_page}
