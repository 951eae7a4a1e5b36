"""Task pages of the spot checks (核查工作质量) and the township summaries (总结评估).

The spot-check page lists the sampled forms with what was recorded on them; each form's result is
recorded through the quality blueprint (one small form per sampled form) and the task completes
only when every form has its result. The summary pages write and review a township's summary.
"""
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ..labels import RECORD_FIELDS
from ..services.campaign import progress, spot_checks, summaries
from ..services.casework import cases
from .forms import ReviewForm
from .task_pages import finish_submitted, render_task_page, task_page


class SpotCheckDoneForm(FlaskForm):
    """Completing the spot check, with an optional note."""

    spot_check_note = TextAreaField(_l("核查说明"), validators=[Optional(), Length(max=1000)])


class SummaryForm(FlaskForm):
    """A township's summary: the three text sections (the figures are filled in at submission)."""

    practices = TextAreaField(_l("主要做法"), validators=[Length(max=8000)])
    problems = TextAreaField(_l("存在问题"), validators=[Length(max=8000)])
    mechanism = TextAreaField(_l("长效机制"), validators=[Length(max=8000)])


def _complete_spot_check(row, form):
    spot_checks.check_complete(row.case)
    cases.complete(row, current_user, {"spot_check_note": (form.spot_check_note.data or "").strip()})


@task_page(SpotCheckDoneForm, _complete_spot_check, spot_checks.SpotCheckRefused, audited="view_spot_check")
def spot_check_page(row, form):
    """The sampled forms of one township, each with its result form, and the task's completion."""
    items = spot_checks.items_of_case(row.case)
    return render_task_page(row, "inbox/task_spot_check.html", form=form, items=items,
                   fields=[(key, title) for key, title, _codes in RECORD_FIELDS if key in spot_checks.CHECKABLE_FIELDS],
                   pending=sum(1 for item in items if item.result == "pending"), results=spot_checks.RESULTS)


def _submit_summary(row, form, summary):
    values = {key: getattr(form, key).data for key in summaries.SECTIONS}
    summaries.submit(summary, values, current_user)
    cases.complete(row, current_user, {"summary_note": ""})


def write_summary_page(row):
    """The township writes its summary (a returned one comes back filled in, with the reason)."""
    summary = summaries.summary_of_case(row.case)
    form = SummaryForm(obj=summary)
    answer = finish_submitted(row, form, lambda: _submit_summary(row, form, summary), summaries.SummaryRefused)
    if answer is not None:
        return answer
    preview = summaries.township_figures(summary.county_code, progress.local_day()).get(summary.township_code)
    return render_task_page(row, "inbox/task_summary.html", form=form, summary=summary, figures=preview)


def _review_summary(row, form, summary):
    summaries.review(summary, form.decision.data, form.comment.data, current_user)
    cases.complete(row, current_user, {"summary_decision": form.decision.data,
                                       "summary_comment": (form.comment.data or "").strip()})


@task_page(ReviewForm, _review_summary, summaries.SummaryRefused, subject_of=summaries.summary_of_case)
def review_summary_page(row, form, summary):
    """The county reads the submitted summary with its frozen figures and approves or returns it."""
    return render_task_page(row, "inbox/task_summary_review.html", form=form, summary=summary, figures=summary.figures)


# FormKind.page -> renderer (webapp/form_kinds.py: spot_check, campaign_summary, summary_review).
QUALITY_PAGES = {"spot_check": spot_check_page, "summary_write": write_summary_page,
                 "summary_review": review_summary_page}
