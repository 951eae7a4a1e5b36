"""The village assistant's periodic survey: households with what the registry knows, one by one.

Each household is confirmed unchanged here, or its changes are raised from a person's change
form (which marks the household); the task completes only when no household is left.
"""
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from .. import form_kinds
from ..extensions import db
from ..services import audit
from ..services.casework import cases, surveys
from ..services.casework.tasks import TaskRefused
from .task_pages import finish_submitted, render_task_page  # the inbox's own completion path


class SurveyDoneForm(FlaskForm):
    """Completing the survey, with an optional note."""

    survey_note = TextAreaField(_l("调查说明"), validators=[Optional(), Length(max=1000)])


def _complete(row, note):
    survey = surveys.survey_of_case(row.case)
    try:
        surveys.check_complete(survey)
    except surveys.SurveyRefused as err:
        raise TaskRefused(str(err)) from None
    _decision_key, comment_key = form_kinds.variables_of(row)  # the step's own note variable
    cases.complete(row, current_user, {comment_key or "survey_note": (note or "").strip()})
    surveys.finish(survey)


def conduct_survey_page(row):
    """The survey list (phone first) and its completion."""
    form = SurveyDoneForm()
    answer = finish_submitted(row, form, lambda: _complete(row, form.survey_note.data))
    if answer is not None:
        return answer
    survey = surveys.survey_of_case(row.case)
    audit.record(current_user, "view_household", "case", row.case_id)
    db.session.commit()
    households = surveys.households_of(survey)
    pending = sum(1 for h in households if h.outcome == "pending")
    return render_task_page(row, "inbox/task_survey.html", form=form, survey=survey, households=households, pending=pending)


# FormKind.page -> renderer (webapp/form_kinds.py: village_survey).
SURVEY_PAGES = {"survey": conduct_survey_page}
