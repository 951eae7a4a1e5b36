"""The household block of case and task pages (templates/inbox/_household.html) as filled patterns.

The block printed each member through three filters and, on the visit page, a link, each cell
looked up and escaped by Jinja, around a card of a dozen translated labels: together about a
quarter of the visit page's own rendering. The card (templates/inbox/_household_card.html), a
member's row (_member_row.html) and a row of a person added during the visit (_added_row.html)
are each rendered once per language and kind (with the household page's link, the form column,
the member's form filled, the task workable) with slots for the texts (``fragments.slotted``);
the block is those patterns with its texts escaped in place.
"""
from typing import NamedTuple

from markupsafe import Markup

from .. import formatting, fragments
from ..idnumber import mask_id
from ..translation_cache import current_locale_name
from ..url_cache import ids_link
from . import bp


class MemberRow(NamedTuple):
    """What one member row shows, as text (escaped when the pattern is filled)."""

    name: str
    id_number: str  # masked
    relation: str  # the relation to the head in the interface language
    birth_date: str
    form_url: str  # the member's registration form of the task ("" without the form column)


class AddedRow(NamedTuple):
    """What the row of a person added during the visit shows (their registration form's values)."""

    id: int  # the form's
    name: str
    id_number: str  # masked
    relation: str
    birth_date: str  # as entered
    form_url: str


class HouseholdCard(NamedTuple):
    """The household's texts on its card."""

    url: str  # its page ("" without the link)
    household_number: str
    head_name: str
    address: str


_MEMBER_SLOTS = MemberRow(*(fragments.slot(name) for name in MemberRow._fields))
_ADDED_SLOTS = AddedRow(*(fragments.slot(name) for name in AddedRow._fields))
_CARD_SLOTS = HouseholdCard(*(fragments.slot(name) for name in HouseholdCard._fields))
_ROWS_SLOTS = {"rows": fragments.slot("rows"), "added_rows": fragments.slot("added_rows")}


@bp.app_template_global()
def household_card(household, url, people, added, filled, can_work, task_id):
    """The household block's card for ``household`` (a Household or a row with its attributes)
    linking its page ``url`` when given, with the rows of ``people`` and of the persons ``added``
    during the visit (their registration forms); the form column when ``filled`` (the case's forms
    by ID number) is given, its links to task ``task_id``'s forms when ``can_work``. What
    templates/inbox/_household_card.html gives with the rows of _member_row.html and _added_row.html."""
    locale, forms = current_locale_name(), filled is not None
    workable = forms and bool(can_work)
    # Each row between a new line and the indentation, as the block's loops printed them.
    rows = "\n  " + "".join(f"\n    {row}\n  " for row in member_rows(people, filled, can_work, task_id))
    added_rows = "".join(f"\n    {row}\n  " for row in _added_rows(added, forms, workable, task_id, locale))
    pattern = fragments.slotted("household_cards", (locale, bool(url), forms, bool(added)), "inbox/_household_card.html",
                                hh=_CARD_SLOTS, linked=bool(url), forms=forms, added=bool(added), **_ROWS_SLOTS)
    return pattern.fill({"url": url or "", "household_number": household.household_number,
                         "head_name": household.head_name, "address": household.address},
                        {"rows": Markup(rows), "added_rows": Markup(added_rows)})


def member_rows(people, filled, can_work, task_id):
    """The member rows of the household table for ``people`` (persons or rows with ``id``,
    ``name``, ``id_number``, ``relation_to_head`` and ``birth_date``): with the registration form
    column when ``filled`` (the case's forms by ID number) is given, its links to task
    ``task_id``'s forms when ``can_work``. What templates/inbox/_member_row.html gives for each."""
    forms = filled is not None
    key = (current_locale_name(), forms, forms and bool(can_work))
    patterns, out = {}, []
    form_link = ids_link("inbox.registration_form", "task_id", "person_id") if key[2] else None
    for person in people:
        done = forms and person.id_number in filled
        pattern = patterns.get(done)
        if pattern is None:
            pattern = patterns[done] = fragments.slotted(
                "member_rows", key + (done,), "inbox/_member_row.html", member=_MEMBER_SLOTS, forms=forms,
                done=done, can_work=key[2])
        form_url = form_link(task_id, person.id) if form_link is not None else ""
        out.append(pattern.fill({
            "name": person.name, "id_number": mask_id(person.id_number),
            "relation": formatting.relation_label(person.relation_to_head),
            "birth_date": formatting.localdate(person.birth_date), "form_url": form_url}))
    return out


def _added_rows(added, forms, workable, task_id, locale):
    # The rows of the forms ``added`` (people added during the visit), as _added_row.html gives them.
    if not added:
        return []
    pattern = fragments.slotted("added_rows", (locale, forms, workable), "inbox/_added_row.html",
                                added=_ADDED_SLOTS, forms=forms, can_work=workable)
    out = []
    form_link = ids_link("inbox.registration_form", "task_id", "form_id") if workable else None
    for form in added:
        data = form.data or {}
        out.append(pattern.fill({
            "id": form.id, "name": form.name, "id_number": mask_id(form.id_number),
            "relation": formatting.relation_label(data.get("relation_to_head")),
            "birth_date": data.get("birth_date") or "",
            "form_url": form_link(task_id, form.id) if form_link is not None else ""}))
    return out
