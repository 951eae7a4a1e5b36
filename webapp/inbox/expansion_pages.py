"""An expansion drive's contact round: the village's (or township's) targets, one contact each.

Each target's contact is recorded from its own small form (webapp/expansion/routes.py); the task
completes only when every target of the round has one.
"""
import secrets

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ..services.casework import cases
from ..services.expansion import drives
from .task_pages import render_task_page, task_page  # the inbox's own completion path


class ContactDoneForm(FlaskForm):
    """Completing the round, with an optional note."""

    contact_note = TextAreaField(_l("联系情况说明"), validators=[Optional(), Length(max=1000)])


def _complete(row, form, assignment):
    drives.check_complete(assignment)
    cases.complete(row, current_user, {"contact_note": (form.contact_note.data or "").strip()})
    drives.finish(assignment)


@task_page(ContactDoneForm, _complete, drives.DriveRefused, subject_of=drives.assignment_of_case,
           audited="view_expansion_targets")
def contact_targets_page(row, form, assignment):
    """The round's targets with their contacts (phone first) and the round's completion."""
    targets = drives.targets_of(assignment)
    done = drives.contacted_ids(assignment)
    return render_task_page(row, "inbox/task_expansion.html", form=form, assignment=assignment, drive=assignment.drive,
                   targets=targets, done=done, pending=sum(1 for t in targets if t.id not in done),
                   outcomes=drives.OUTCOMES, form_key=secrets.token_hex(8))


# FormKind.page -> renderer (webapp/form_kinds.py: expansion_contact).
EXPANSION_PAGES = {"expansion": contact_targets_page}
