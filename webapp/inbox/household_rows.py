"""The member rows of the household table (templates/inbox/_household.html) as filled patterns.

The table printed each member through three filters and, on the visit page, a link, each cell
looked up and escaped by Jinja: about half of the household block's rendering. The row's markup
(templates/inbox/_member_row.html) is rendered once per language and kind of row
(with the form column, the member's form filled, the task workable) with slots for the member's
texts (``fragments.slotted``); each row is that pattern with its texts escaped in place.
"""
from typing import NamedTuple

from flask_babel import get_locale

from .. import formatting, fragments
from ..idnumber import mask_id
from ..url_cache import cached_url_for
from . import bp


class MemberRow(NamedTuple):
    """What one member row shows, as text (escaped when the pattern is filled)."""

    name: str
    id_number: str  # masked
    relation: str  # the relation to the head in the interface language
    birth_date: str
    form_url: str  # the member's registration form of the task ("" without the form column)


_ROW = "inbox/_member_row.html"
_SLOTS = MemberRow(*(fragments.slot(name) for name in MemberRow._fields))


@bp.app_template_global()
def member_rows(people, filled, can_work, task_id):
    """The rows of the household table for ``people`` (persons or rows with ``id``, ``name``,
    ``id_number``, ``relation_to_head`` and ``birth_date``): with the registration form column
    when ``filled`` (the case's forms by ID number) is given, its links to task ``task_id``'s
    forms when ``can_work``. What templates/inbox/_member_row.html gives for each."""
    forms = filled is not None
    key = (str(get_locale()), forms, forms and bool(can_work))
    patterns, out = {}, []
    for person in people:
        done = forms and person.id_number in filled
        pattern = patterns.get(done)
        if pattern is None:
            pattern = patterns[done] = fragments.slotted(
                "member_rows", key + (done,), _ROW, member=_SLOTS, forms=forms, done=done, can_work=key[2])
        form_url = (cached_url_for("inbox.registration_form", task_id=task_id, person_id=person.id)
                    if key[2] else "")
        out.append(pattern.fill({
            "name": person.name, "id_number": mask_id(person.id_number),
            "relation": formatting.relation_label(person.relation_to_head),
            "birth_date": formatting.localdate(person.birth_date), "form_url": form_url}))
    return out
