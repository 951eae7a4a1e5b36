"""The change review task (county or township): the request, its evidence and conflicts, the decision.

Approving a request whose seen value is no longer current is refused here with the reason, so the
reviewer rejects it and it is raised again on the current value (services.casework.changes).
"""
from flask_login import current_user

from ..extensions import db
from ..services import audit
from ..services.casework import changes, tasks
from ..services.casework.tasks import TaskRefused
from .forms import ChangeReviewForm
from .task_pages import finish_submitted, render_task_page  # the inbox's own completion path


def _decide(row, decision, comment):
    request = changes.request_of_case(row.case)
    if request is not None and decision == "approve":
        try:
            changes.check_approvable(request)
        except changes.ChangeRefused as err:
            raise TaskRefused(str(err)) from None
    tasks.complete_review(row, current_user, decision, comment)
    if request is not None and decision != "approve":
        changes.reject(request, current_user, comment)


def review_change_page(row):
    """Show the change request with before → after, evidence and conflicts; decide."""
    form = ChangeReviewForm()
    answer = finish_submitted(row, form, lambda: _decide(row, form.decision.data, form.comment.data))
    if answer is not None:
        return answer
    request = changes.request_of_case(row.case)
    audit.record(current_user, "view_person", "case", row.case_id)
    db.session.commit()
    return render_task_page(row, "inbox/task_review.html", form=form, forms=[], change=request,
                   conflicts=changes.conflicts(request) if request is not None else None)


# FormKind.page -> renderer (webapp/form_kinds.py: approve_reject).
CHANGE_PAGES = {"change_review": review_change_page}
