"""The village assistant's periodic survey: households with what the registry knows, one by one.

Each household is confirmed unchanged here, or its changes are raised from a person's change
form (which marks the household); the task completes only when no household is left.
"""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from .. import form_kinds
from ..services.casework import cases, surveys
from .task_pages import render_task_page, task_page  # the inbox's own completion path


class SurveyDoneForm(FlaskForm):
    """Completing the survey, with an optional note."""

    survey_note = TextAreaField(_l("调查说明"), validators=[Optional(), Length(max=1000)])


def _complete(row, form, survey):
    surveys.check_complete(survey)
    _decision_key, comment_key = form_kinds.variables_of(row)  # the step's own note variable
    cases.complete(row, current_user, {comment_key or "survey_note": (form.survey_note.data or "").strip()})
    surveys.finish(survey)


@task_page(SurveyDoneForm, _complete, surveys.SurveyRefused, subject_of=surveys.survey_of_case,
           audited="view_household")
def conduct_survey_page(row, form, survey):
    """The survey list (phone first) and its completion."""
    households = surveys.households_of(survey)
    pending = sum(1 for h in households if h.outcome == "pending")
    return render_task_page(row, "inbox/task_survey.html", form=form, survey=survey, households=households, pending=pending)


# FormKind.page -> renderer (webapp/form_kinds.py: village_survey).
SURVEY_PAGES = {"survey": conduct_survey_page}
