"""The task pages' case header (templates/inbox/_case_header.html) as a filled pattern.

Every task page opened with the header: the task's title, its case and link, the lane, who works
it, the deadline, a revisit's or a return's note, the claim form. Its template looked each of them
up and escaped it through Jinja, around a dozen translated labels: a tenth of the visit page's
instructions. What the markup depends on besides its texts is a handful of yes/no questions (which
parts show) and the language, so templates/inbox/_case_header_card.html is rendered once per
language and such answers (``fragments.slotted``, a bounded per-process memo of markup only) and
filled with the task's texts, escaped as ``{{ }}`` escapes them. Nothing of a user is kept: their
name and the CSRF token are slots, filled for each page.
"""
from typing import NamedTuple

from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from .. import fragments
from ..formatting import localdt, role_label, task_title
from ..models.base import utcnow
from ..request_context import this_user
from ..translation_cache import current_locale_name
from ..url_cache import id_link
from . import bp


class HeaderTexts(NamedTuple):
    """The slots of the header's texts (filled escaped, but markup as it is); a pattern has those of
    the parts it shows."""

    title: str
    case_title: str
    case_url: str
    case_id: int
    role: str  # markup (role_label)
    assignee: str
    due: str  # the deadline's local time
    revisit_at: str
    revisit_actor: str
    revisit_comment: str
    return_reason: str
    claim_url: str
    token: str


class HeaderKind(NamedTuple):
    """Which parts the header shows (with the language, its pattern's key)."""

    unclaimed: bool
    due: bool
    late: bool
    revisit: bool
    revisit_actor: bool
    revisit_comment: bool
    returned: bool
    viewing: bool  # not the user's to work, still ready: the claim form or "only view"
    claimable: bool


_SLOTS = HeaderTexts(*(fragments.slot(name) for name in HeaderTexts._fields))


def header_kind(row, can_work, revisit, user):
    """Which parts the header of task ``row`` shows (``case_header``'s arguments; ``user``: the
    request's): the one place its conditions are written, the template reads only these flags."""
    viewing = not can_work and row.state == "ready"
    unclaimed = row.assignee_id is None
    due = bool(row.due_at)
    return HeaderKind(unclaimed=unclaimed, due=due, late=due and bool(row.late_at(utcnow()) or row.overdue),
                      revisit=bool(revisit),
                      revisit_actor=bool(revisit and revisit.actor_name),
                      revisit_comment=bool(revisit and revisit.comment),
                      returned=not revisit and bool(row.return_reason), viewing=viewing,
                      claimable=viewing and unclaimed and row.lane == user.role)


@bp.app_template_global()
def case_header(row, case, can_work, revisit, user=None):
    """The header of task ``row`` of ``case`` (``can_work``: whether the page offers its form;
    ``revisit``: the visit it repeats, see ``tasks.revisit_of``, or None), as
    templates/inbox/_case_header_card.html shows it for these values. ``user``: the request's user
    as the template's context has it (see ``layout.page_header``), else looked up here."""
    if user is None:
        user = this_user()
    kind = header_kind(row, can_work, revisit, user)
    pattern = fragments.slotted("case_headers", (current_locale_name(),) + kind, "inbox/_case_header_card.html",
                                h=_SLOTS, k=kind)
    # Only the texts the pattern shows (escaping one costs as much whether the pattern prints it or not).
    texts = {"title": task_title(row.title), "case_title": case.title,
             "case_url": id_link("cases.case_page", "case_id")(case.id), "case_id": case.id, "role": role_label(row.lane)}
    if not kind.unclaimed:  # mostly the user reading the page: their name as read for the request, not loaded again
        texts["assignee"] = user.display_name if row.assignee_id == user.id else row.assignee.display_name
    if kind.due:
        texts["due"] = localdt(row.due_at)
    if kind.revisit:
        texts["revisit_at"] = localdt(revisit.at)
        if kind.revisit_actor:
            texts["revisit_actor"] = revisit.actor_name
        if kind.revisit_comment:
            texts["revisit_comment"] = revisit.comment
    if kind.returned:
        texts["return_reason"] = row.return_reason
    if kind.claimable:
        texts["claim_url"] = id_link("inbox.claim", "task_id")(row.id)
        return pattern.fill(texts, {"token": escape(generate_csrf())})
    return pattern.fill(texts)
