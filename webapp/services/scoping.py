"""The one area-scoping rule. Every query of persons, households, cases and tasks uses it.

County-level roles see their whole county; township staff their township; village assistants
their village; data providers no personal records at all. Out-of-scope objects answer 404, so
guessing ids reveals nothing.
"""
from flask import abort
from sqlalchemy import false

from ..extensions import db
from ..models import COUNTY_ROLES, Case, Household, InboxTask, Person


def _pinned_column(user):
    """(column name, value) that ``user``'s area pins, or None when they see no records."""
    area = user.area
    if user.role in COUNTY_ROLES:
        return "county_code", area.county_code
    if user.role == "township":
        return "township_code", area.township_code
    if user.role == "village":
        return "village_code", area.code
    return None


def scope_condition(model, user):
    """A SQL condition limiting ``model`` (any table with area code columns) to ``user``'s area."""
    pinned = _pinned_column(user)
    return false() if pinned is None else getattr(model, pinned[0]) == pinned[1]


def in_scope(obj, user):
    """True when one loaded object (with area code attributes) is inside ``user``'s area."""
    pinned = _pinned_column(user)
    return pinned is not None and getattr(obj, pinned[0]) == pinned[1]


def scoped(model, user):
    """A query of ``model`` already limited to ``user``'s area."""
    return model.query.filter(scope_condition(model, user))


def get_or_404(model, object_id, user):
    """Load one object in ``user``'s area, or answer 404 (also when it exists elsewhere)."""
    obj = db.session.get(model, object_id)
    if obj is None or not in_scope(obj, user):
        abort(404)
    return obj


def get_case_or_404(case_id, user):
    """A case in the user's area."""
    return get_or_404(Case, case_id, user)


def get_task_or_404(task_id, user):
    """An inbox task in the user's area."""
    return get_or_404(InboxTask, task_id, user)


def get_person_or_404(person_id, user):
    """A person in the user's area."""
    return get_or_404(Person, person_id, user)


def get_household_or_404(household_id, user):
    """A household in the user's area."""
    return get_or_404(Household, household_id, user)
