"""The periodic village survey offline (定期调查), like the visit: the package and what a phone sends.

The assistant downloads each open survey task of their village with its households and what the
registry knows of each member; offline they confirm households or raise changes; the phone syncs
later through the same API, idempotency keys and conflict handling as the visit
(services.casework.offline). Here: the survey part of the package, and the checks peculiar to a
survey entry (the household is on the survey; the value a change saw is still the registry's).
"""
from flask_babel import gettext as _

from ...extensions import db
from ...models import InboxTask, Person, SurveyHousehold
from .. import scoping
from . import cases, changes, steps, surveys

KINDS = ("survey_confirm", "survey_change", "survey_done")
# The person fields a phone shows and a change offline may touch (changes.CORRECTABLE + status).
SHOWN_FIELDS = changes.CORRECTABLE + ("status",)


def survey_rows(user):
    """The open survey tasks of the user's village: theirs, and unclaimed ones (claimed for them at
    download, as the online page does when they open it, so nobody else takes them meanwhile)."""
    # The survey steps by form kind, whatever their ids (over every stored diagram version).
    survey_steps = steps.task_ids(form="village_survey")
    if not survey_steps:
        return []
    rows = (scoping.scoped(InboxTask, user)
            .filter(InboxTask.state == "ready", InboxTask.lane == "village", InboxTask.task_name.in_(sorted(survey_steps)),
                    db.or_(InboxTask.assignee_id.is_(None), InboxTask.assignee_id == user.id))
            .order_by(InboxTask.due_at, InboxTask.id).all())
    return [row for row in rows if row.assignee_id == user.id or cases.claim(row, user)]


def _member(person):
    record = person.record
    return {"person_id": person.id, "name": person.name, "id_number": person.id_number,
            "relation_to_head": person.relation_to_head or "", "insured": bool(record and record.insured),
            "values": {field: changes.current_value(field, person) or "" for field in SHOWN_FIELDS}}


def package_part(user, version_of):
    """The survey part of the phone's package: [{task, survey, households with members}]."""
    out = []
    for row in survey_rows(user):
        survey = surveys.survey_of_case(row.case)
        if survey is None:
            continue
        households = [{"household_id": sh.household_id, "household_number": sh.household.household_number,
                       "head_name": sh.household.head_name or "", "address": sh.household.address or "",
                       "outcome": sh.outcome, "members": [_member(p) for p in sh.household.persons]}
                      for sh in surveys.households_of(survey)]
        out.append({"task_id": row.id, "case_id": row.case_id, "survey_id": survey.id, "title": row.case.title,
                    "version": version_of(row), "due_at": row.due_at.isoformat(timespec="minutes") if row.due_at else "",
                    "households": households})
    return out


def household_of(survey, household_id):
    """The survey's row for ``household_id`` (None when the household is not on it)."""
    try:
        household_id = int(household_id)
    except (TypeError, ValueError):
        return None
    return SurveyHousehold.query.filter_by(survey_id=survey.id, household_id=household_id).one_or_none()


def person_on(survey_row, person_id):
    """The person ``person_id`` when they belong to the surveyed household, else None."""
    try:
        person = db.session.get(Person, int(person_id))
    except (TypeError, ValueError):
        return None
    return person if person is not None and person.household_id == survey_row.household_id else None


def seen_differs(field, person, seen):
    """True when the registry no longer holds what the phone showed for ``field`` (a newer value)."""
    if seen is None:
        return False
    return (changes.current_value(field, person) or "") != (seen or "")


def not_on_survey_message():
    """Why an entry for a household not on the survey is refused."""
    return _("该户不在本次调查名单中。")
