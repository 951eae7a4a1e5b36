"""The printed registration form (全民参保登记表): one A4 sheet per person, a household per PDF.

Two kinds of sheets:

- **blank** for a household (:func:`household_form_pdf`): what the registry knows is printed
  (household, members, identity), the rest are empty boxes to fill in at the door;
- **filled** after the county audit (:func:`case_form_pdf`): the forms of the case as audited,
  with the visitor, the first review and the audit (who, when).

Masking: printing is a view of personal data. The sheets show ID numbers masked (first 6, last
4) unless ``full_ids`` is asked for, which only :data:`FULL_ID_ROLES` may do. Every printed
person is written to the audit log (with whether full numbers were printed). The paper form
is an official Chinese document, so it is printed in Chinese whatever the interface language.
"""
from flask_babel import force_locale, gettext as _

from .. import codes
from ..idnumber import mask_id
from ..models import CaseEvent, RegistrationForm
from ..services import audit
from ..services.casework import steps
from .pdf import render_pdf

# Who may print full ID numbers (the office staff who file the forms); others get masked ones.
FULL_ID_ROLES = ("township", "county", "agency")
TEMPLATE = "documents/registration_forms.html"
STYLESHEETS = ("print/registration_form.css",)


class NotAudited(Exception):
    """The case has not passed the county audit: its filled forms cannot be printed yet."""


def _last_of_stage(case, stage, decision=None):
    """The case's last completion of a step of funnel ``stage`` (its diagram's ``progress_stage``),
    with ``decision`` when given."""
    query = CaseEvent.query.filter(CaseEvent.case_id == case.id, CaseEvent.kind == "task_completed",
                                   CaseEvent.task_name.in_(steps.task_ids(option="progress_stage", value=stage)))
    if decision is not None:
        query = query.filter(CaseEvent.decision == decision)
    return query.order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).first()


def county_audit_event(case):
    """The case's county audit approval (the last audit decision, when it moved the case on), or None."""
    last = _last_of_stage(case, "audited")
    return last if last is not None and last.decision == "approve" else None


def _last_done(case, stage, decision):
    """(who, when) of the last completion of a step of ``stage`` when it was ``decision``."""
    event = _last_of_stage(case, stage, decision)
    return (event.actor.display_name if event and event.actor else "", event.at if event else None)


def _identity(household, full_ids):
    shown = (lambda value: value or "") if full_ids else mask_id
    head = {"head_name": household.head_name or "", "head_id": shown(household.head_id_number),
            "household_number": household.household_number, "township_code": household.township_code,
            "village_code": household.village_code, "household_address": household.address or ""}
    return shown, head


def household_sheets(household, full_ids=False):
    """Blank sheets for every member, pre-filled with what the registry holds."""
    shown, head = _identity(household, full_ids)
    sheets = []
    for person in household.persons:
        sheets.append({**head, "filled": False, "name": person.name, "id_number": shown(person.id_number),
                       "data": {"sex": person.sex, "ethnicity": person.ethnicity,
                                "birth_date": person.birth_date.isoformat() if person.birth_date else "",
                                "phone": person.phone, "hukou_address": person.hukou_address,
                                "current_address": person.current_address,
                                "relation_to_head": person.relation_to_head,
                                "household_type": household.household_type, "status": person.status}})
    return sheets


def case_sheets(case, full_ids=False):
    """Filled sheets of an audited case: the forms as approved, with who surveyed and reviewed."""
    audit_event = county_audit_event(case)
    if audit_event is None:
        raise NotAudited()
    shown, head = _identity(case.household, full_ids)
    visitor, visit_at = _last_done(case, "visited", "completed")
    first_by, first_at = _last_done(case, "first_reviewed", "approve")
    audit_by = audit_event.actor.display_name if audit_event.actor else ""
    forms = RegistrationForm.query.filter_by(case_id=case.id).order_by(RegistrationForm.id).all()
    return [{**head, "filled": True, "name": form.name, "id_number": shown(form.id_number),
             "data": dict(form.data or {}), "visitor": visitor, "visit_at": visit_at,
             "first_review_by": first_by, "first_review_at": first_at,
             "audit_by": audit_by, "audit_at": audit_event.at} for form in forms]


def may_print_full_ids(user):
    """True when ``user``'s role may print full ID numbers."""
    return user.role in FULL_ID_ROLES


def render_sheets(sheets, title):
    """The PDF of ``sheets`` (one A4 page each), always in Chinese."""
    with force_locale("zh_Hans_CN"):
        return render_pdf(TEMPLATE, stylesheets=STYLESHEETS, sheets=sheets, title=title, codes=codes)


def _printed_pdf(user, object_type, object_id, sheets_of, full_ids, household_number):
    """The sheets ``sheets_of(full_ids)`` gives as one PDF titled for ``household_number``, with
    full ID numbers only where ``user`` may print them; audited."""
    full_ids = full_ids and may_print_full_ids(user)
    sheets = sheets_of(full_ids)
    # One line per document: the household or case names whose data was printed.
    audit.record(user, "print_forms", object_type, object_id,
                 detail=f"persons={len(sheets)} full_ids={'yes' if full_ids else 'no'}")
    with force_locale("zh_Hans_CN"):
        title = _("全民参保登记表") + f" {household_number}"
    return render_sheets(sheets, title)


def household_form_pdf(household, user, full_ids=False):
    """The household's blank (pre-filled) forms as one PDF; audited. The caller commits."""
    return _printed_pdf(user, "household", household.id, lambda full: household_sheets(household, full),
                        full_ids, household.household_number)


def case_form_pdf(case, user, full_ids=False):
    """The case's filled forms after the county audit as one PDF; audited. The caller commits.

    Raises :class:`NotAudited` before the county audit approved the case."""
    return _printed_pdf(user, "case", case.id, lambda full: case_sheets(case, full),
                        full_ids, case.household.household_number)

