"""The one area-scoping rule. Every query of persons, households, cases, tasks and staff uses it.

County-level roles see their whole county; township staff their township; village assistants
their village; data providers no personal records at all. Out-of-scope objects raise
:class:`OutOfScope`, which the application answers with 404 (create_app maps it), so guessing ids reveals nothing.

It answers two questions, both as SQL conditions and for loaded objects: which areas may this
user see and act on (:func:`scope_condition`, :func:`in_scope`, :func:`in_county`), and who may
work a task (:func:`team_of`, :func:`staff_in_scope`, :func:`staff_of_township`). Code prefixes
come from :mod:`webapp.areacodes`.
"""
from sqlalchemy import bindparam, false, select

from .. import areacodes
from ..extensions import db
from ..models import COUNTY_ROLES, Area, Case, Household, InboxTask, Person, User


class OutOfScope(LookupError):
    """The object does not exist or lies outside the user's area; the application answers 404."""


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


def bound_scope(model, user, name="scope_code"):
    """``scope_condition`` with the area code as a bound parameter, for statements built once.

    Returns (the condition's shape, the condition, its parameters): statements built with the
    condition of one shape serve every user of that shape with other parameters. ``model`` may
    also be a Table, for Core statements that skip the ORM's row loading.
    """
    pinned = _pinned_column(user)
    if pinned is None:
        return None, false(), {}
    key = (model, pinned[0], name)
    condition = _BOUND.get(key)
    if condition is None:  # two threads may both build it: the same condition either way
        condition = _BOUND[key] = getattr(getattr(model, "c", model), pinned[0]) == bindparam(name)
    return pinned[0], condition, {name: pinned[1]}


# The bound conditions per (model, column, parameter name): an expression never changes once
# built, and building it (operator dispatch, coercions) cost more than looking it up, on every
# inbox page twice.
_BOUND = {}


def in_scope(obj, user):
    """True when one loaded object (with area code attributes) is inside ``user``'s area."""
    pinned = _pinned_column(user)
    return pinned is not None and getattr(obj, pinned[0]) == pinned[1]


def user_county(user):
    """The code of the county ``user`` works in: county-wide pages (runs, lists, bulletins) read it."""
    return user.area.county_code


def in_county(obj, user):
    """True when a county-wide object (import batch, comparison run, ...) is in ``user``'s county."""
    return obj is not None and obj.county_code == user_county(user)


def areas_within(code):
    """A SQL condition on :class:`Area` for the area ``code`` and every area inside it."""
    if len(code) == areacodes.COUNTY_DIGITS or code == areacodes.county_area_code(code):
        return Area.code.like(areacodes.county_of(code) + "%")
    if code == areacodes.township_of(code):
        return Area.code.like(areacodes.township_prefix(code) + "%")
    return Area.code == code


def scoped(model, user):
    """A query of ``model`` already limited to ``user``'s area."""
    return model.query.filter(scope_condition(model, user))


def get_or_404(model, object_id, user):
    """Load one object in ``user``'s area, else raise OutOfScope (also when it exists elsewhere),
    which the application answers with 404."""
    obj = db.session.get(model, object_id)
    if obj is None or not in_scope(obj, user):
        raise OutOfScope(f"{model.__name__} {object_id}")
    return obj


def get_case_or_404(case_id, user):
    """A case in the user's area."""
    return get_or_404(Case, case_id, user)


def get_task_or_404(task_id, user):
    """An inbox task in the user's area, loaded with its case (every task page and action reads
    the case: one statement instead of two)."""
    return checked_task(db.session.execute(TASK_WITH_CASE, {"task_id": task_id}).scalar_one_or_none(), task_id, user)


def checked_task(task, task_id, user):
    """``task`` (inbox task ``task_id`` as ``TASK_WITH_CASE`` or a statement built on it loaded it,
    or None) when it is in ``user``'s area, else raise OutOfScope."""
    if task is None or not in_scope(task, user):
        raise OutOfScope(f"InboxTask {task_id}")
    return task


# Built once: the compiled cache answers it. Public for statements that read more with the task.
TASK_WITH_CASE = (select(InboxTask).options(db.joinedload(InboxTask.case))
                  .where(InboxTask.id == bindparam("task_id")))


def get_person_or_404(person_id, user):
    """A person in the user's area."""
    return get_or_404(Person, person_id, user)


def get_household_or_404(household_id, user):
    """A household in the user's area."""
    return get_or_404(Household, household_id, user)


def staff_in_scope(user, roles):
    """Active staff with ``roles`` whose home area lies inside ``user``'s area (the supervisor's
    county, or the township a township supervisor works in), for choosing whom work goes to."""
    code = user.area.code
    prefix = areacodes.county_of(code) if user.role in COUNTY_ROLES else areacodes.township_prefix(code)
    return (User.query.join(Area, User.area_id == Area.id).options(db.contains_eager(User.area))
            .filter(User.active.is_(True), User.role.in_(roles), Area.code.like(prefix + "%"))
            .order_by(User.role, User.display_name).all())


def staff_of_township(role, township_code):
    """Active users with ``role`` anywhere in a township (village assistants for distribution)."""
    # With each user's area from the same join: the forms show every visitor's village.
    return (User.query.join(Area, User.area_id == Area.id).options(db.contains_eager(User.area))
            .filter(User.role == role, User.active.is_(True), areas_within(areacodes.township_of(township_code)))
            .order_by(Area.code, User.display_name).all())


def team_of(row):
    """Who may work task ``row``: active users of its lane inside its area (one query)."""
    if row.lane == "village":
        near = Area.code == (row.village_code or "-")
    elif row.lane == "township":
        near = areas_within(areacodes.township_of(row.township_code)) if row.township_code else false()
    else:
        near = areas_within(row.county_code)
    users = (User.query.join(Area, User.area_id == Area.id).options(db.contains_eager(User.area))
             .filter(User.role == row.lane, User.active.is_(True), near).all())
    return [user for user in users if in_scope(row, user)]
