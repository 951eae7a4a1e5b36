"""The change review task (county or township): the request, its evidence and conflicts, the decision.

Approving a request whose seen value is no longer current is refused here with the reason, so the
reviewer rejects it and it is raised again on the current value (services.casework.changes).
"""
from flask_login import current_user

from ..services.casework import changes, tasks
from .forms import ChangeReviewForm
from .task_pages import render_task_page, task_page  # the inbox's own completion path


def _decide(row, form, request):
    decision, comment = form.decision.data, form.comment.data
    if request is not None and decision == "approve":
        changes.check_approvable(request)
    tasks.complete_review(row, current_user, decision, comment)
    if request is not None and decision != "approve":
        changes.reject(request, current_user, comment)


@task_page(ChangeReviewForm, _decide, changes.ChangeRefused, subject_of=changes.request_of_case,
           audited="view_person")
def review_change_page(row, form, request):
    """Show the change request with before → after, evidence and conflicts; decide."""
    return render_task_page(row, "inbox/task_review.html", form=form, forms=[], change=request,
                   conflicts=changes.conflicts(request) if request is not None else None)


# FormKind.page -> renderer (webapp/form_kinds.py: approve_reject).
CHANGE_PAGES = {"change_review": review_change_page}
