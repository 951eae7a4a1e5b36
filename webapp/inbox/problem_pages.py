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

from .. import form_kinds
from ..engine.diagrams import steps_of_version
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


def _investigation(row):
    """The latest investigation of the case (its note and who wrote it), shown on a resolve step.

    The investigation is whichever step of the same process has the ``investigate`` form kind in
    the task's own diagram version, so a renamed or added step behaves by its form, not its id.
    """
    steps = steps_of_version(row.diagram_version_id or row.instance.diagram_version_id) or {}
    investigations = [task_id for (process_id, task_id), step in steps.items()
                      if process_id == row.process_id and step.form == "investigate"]
    if not investigations:
        return None
    return (CaseEvent.query.filter(CaseEvent.case_id == row.case_id, CaseEvent.kind == "task_completed",
                                   CaseEvent.task_name.in_(investigations))
            .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).first())


def _page(form_class, decision_field, comment_field):
    """A page whose form's decision and note are written to the step's own variables (its diagram's
    ``decision_variable`` / ``comment_variable``), so the timeline and gateways see them."""
    def page(row):
        form = form_class()
        form_kind, _step = form_kinds.kind_of(row)
        if form.validate_on_submit():
            decision_key, comment_key = form_kinds.variables_of(row)
            data = {comment_key or comment_field: getattr(form, comment_field).data}
            if decision_field:
                data[decision_key or decision_field] = getattr(form, decision_field).data
            answer = finish_task(row, lambda: cases.complete(row, current_user, data))
            if answer is not None:
                return answer
        resolving = form_kind is not None and form_kind.code == "resolve_problem"
        return render_template("inbox/task_problem.html", row=row, case=row.case, can_work=can_work(row),
                               form=form, records=_records(row.case), labels=GROUPS["problem_type"],
                               investigation=_investigation(row) if resolving else None)
    return page


investigate_problem_page = _page(InvestigationForm, None, "investigation_note")
resolve_problem_page = _page(ResolutionForm, "problem_outcome", "resolution_note")

# Renderers of the problem-data form kinds, by FormKind.page (webapp/form_kinds.py).
PROBLEM_PAGES = {"investigate": investigate_problem_page, "resolve": resolve_problem_page}
