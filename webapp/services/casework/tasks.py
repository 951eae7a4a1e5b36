"""Working a task: who may, what each kind of task needs, and completing it."""
from collections import namedtuple

from flask_babel import gettext as _
from sqlalchemy import (bindparam, column, inspect, literal_column, null, select, text, true, type_coerce,
                        union_all)
from sqlalchemy.dialects import postgresql

from ... import areacodes, engine, form_kinds
from ...extensions import db
from ...infra import upserts
from ...models import Area, CaseEvent, Household, Person, RegistrationForm, User
from ...models.base import utcnow
from .. import audit, scoping
from . import cases, task_views
from ..campaign import progress


class TaskRefused(Exception):
    """The user may not do this with this task; the message says why, in the user's language."""


def check_can_work(row, user):
    """Raise TaskRefused unless ``user`` may complete ``row`` now (scope is checked by the route)."""
    if row.state != "ready":
        raise engine.TaskNotAvailable("task already finished", completed_by=row.completed_by)
    if row.lane != user.role:
        raise TaskRefused(_("此任务不属于您的岗位。"))
    if row.assignee_id != user.id:
        raise TaskRefused(_("请先认领此任务。"))


def task_to_complete_or_404(task_id, user):
    """Inbox task ``task_id`` with its case for a request that completes it, raising OutOfScope as
    ``scoping.get_task_or_404`` does. On PostgreSQL its instance is locked and read with it
    (``engine.task_locked``), and the completion reuses those rows: one statement fewer."""
    task = engine.task_locked(task_id)
    return scoping.get_task_or_404(task_id, user) if task is None else scoping.checked_task(task, task_id, user)


def visitors_of_township(township_code):
    """Active village assistants of a township, for the distribution forms."""
    return scoping.staff_of_township("village", township_code)


def assign_household(row, user, village_code, visitor_id):
    """Place the case's household in a village, name its visitor, complete the distribution task."""
    village = Area.query.filter_by(code=village_code, level="village").one_or_none()
    if village is None or not areacodes.same_township(village.code, row.township_code):
        raise TaskRefused(_("所选村(社区)不属于本乡镇。"))
    visitor = db.session.get(User, visitor_id)
    if visitor is None or visitor.role != "village" or visitor.area.code != village.code or not visitor.active:
        raise TaskRefused(_("责任人必须是所选村(社区)的协理员。"))
    case = row.case
    old_village = case.village_code
    case.village_code, case.visitor_id = village.code, visitor.id
    progress.case_placed(case, old_village)
    if case.household is not None:
        case.household.village_code = village.code
        for person in case.household.persons:
            person.village_code = village.code
    cases.add_event(case, "assigned", user, row.task_name, comment=f"{village.name} / {visitor.display_name}")
    return cases.complete(row, user, {"village_code": village.code, "visitor_id": visitor.id})


# Statements of every task page, built once: the compiled cache answers them without building
# and keying them anew.
_EVENT, _USER = CaseEvent.__table__, User.__table__


def _last_completion(*first):
    # A case's last task completion: ``first`` columns, then those of ``LastCompletion``. Plain
    # rows (no objects to build and track): the page only reads them. Its constants are written in
    # the SQL, not bound, so the visit page's reads can be compiled once as text (upserts.as_text).
    return (select(*first, _EVENT.c.at, _EVENT.c.task_name, _EVENT.c.decision, _EVENT.c.comment,
                   _USER.c.display_name.label("actor_name"))
            .select_from(_EVENT.outerjoin(_USER, _USER.c.id == _EVENT.c.actor_id))
            .where(_EVENT.c.case_id == bindparam("case_id"), _EVENT.c.kind == literal_column("'task_completed'"))
            .order_by(_EVENT.c.at.desc(), _EVENT.c.id.desc()).limit(literal_column("1")))


_LAST_COMPLETION = _last_completion()
# The same as one row to join (its event's id tells whether there is one).
_LAST_COMPLETION_JOINED = _last_completion(_EVENT.c.id.label("event_id")).subquery("last_completion")
LastCompletion = namedtuple("LastCompletion", "at task_name decision comment actor_name")
_UNREAD = object()  # revisit_of's last completion not read yet


def missing_forms(case, filled=None):
    """Household members who have no registration form yet (``filled``: ``filled_forms(case.id)`` if known)."""
    filled = filled_forms(case.id) if filled is None else filled
    members = case.household.persons if case.household else []
    return [person for person in members if person.id_number not in filled]


def added_persons(case):
    """Forms of people added during the visit (not yet in the registry: they enter it at audit)."""
    if case is None or case.status == "completed":
        return []
    return (RegistrationForm.query.filter_by(case_id=case.id, person_id=None)
            .order_by(RegistrationForm.id).all())


def task_and_person_for_form(task_id, person_id, user):
    """(inbox task ``task_id`` with its case as a ``task_views.TaskView``, raising OutOfScope as
    ``scoping.get_task_or_404`` does; the columns of person ``person_id`` that the registration
    form page and its save read, or None) in one Core statement on the session's connection. The
    person's id, household, identity and the fields a new form starts from as a ``PersonForForm``,
    not the ORM object: loading that cost three times as much; the task and case likewise."""
    found = db.session.connection().execute(_TASK_AND_PERSON, {"task_id": task_id, "person_id": person_id}).first()
    task = scoping.checked_task(None if found is None else task_views.TaskView(found), task_id, user)
    person = found[_PERSON_START:]
    return task, (None if person[0] is None else PersonForForm(*person))


HouseholdView = namedtuple("HouseholdView", "id household_number head_name address county_code township_code village_code")
MemberView = namedtuple("MemberView", "id name id_number relation_to_head birth_date")


def household_forms_and_last_completion(household_id, case_id, audited=None):
    """(household, its members by id, case ``case_id``'s last task completion, the case's forms as
    ``filled_forms`` gives them) as plain rows in one statement: (None, [], the completion, the
    forms) without a household; the completion is a ``LastCompletion`` or None (see ``revisit_of``).

    For the visit page, which only shows them: the rows carry what the household block reads and
    the area codes the scoping rule checks. ``audited``: the arguments of ``audit.write`` for the
    page's event (if any), written in the same statement on PostgreSQL (a data-modifying WITH
    query), just before it elsewhere. Three reads and the event were two statements, then one: each statement
    costs its round trip and its share of the database's CPU."""
    connection, params = db.session.connection(), {"household_id": household_id, "case_id": case_id}
    if audited is None:
        rows = connection.execute(_VISIT_READS, params).all()
    else:
        rows = upserts.execute_along(connection, _VISIT_READS, params, _VISIT_READS_AUDITED,
                                     lambda: audit.event_values(*audited), lambda: audit.write(*audited),
                                     along_first=True).all()
    # The household's rows first (at least one: the one-row start joins whatever there is), then the forms.
    first, household = rows[0], None
    if first[1] is not None:
        household = HouseholdView(*first[1:8])
    last = None if first[13] is None else LastCompletion(*first[14:19])
    members = [MemberView(*r[8:13]) for r in rows if r[0] == 0 and r[8] is not None]
    filled = {form.id_number: form for form in (FormRow(*r[19:]) for r in rows if r[0] == 1)}
    return household, members, last, filled


FormRow = namedtuple("FormRow", "id id_number person_id name data")


def filled_forms(case_id):
    """The registration forms filled so far in a case, by ID number: rows of ``id``, ``id_number``,
    ``person_id``, ``name`` and ``data`` (every reader only reads them; rows cost a fraction of
    ORM objects, and forms are written with Core statements, so no unflushed object is missed).
    The visit page reads them with its household (``household_forms_and_last_completion``)."""
    rows = db.session.connection().execute(_FORM_ROWS_OF_CASE, {"case_id": case_id})
    return {form.id_number: form for form in rows}


# Core statements run on the session's connection (same transaction): the session's ORM layer
# has nothing to do for them.
_HOUSEHOLD, _PERSON, _FORM = Household.__table__, Person.__table__, RegistrationForm.__table__
_FORM_ROW_COLUMNS = (_FORM.c.id, _FORM.c.id_number, _FORM.c.person_id, _FORM.c.name, _FORM.c.data)
_FORM_ROWS_OF_CASE = select(*_FORM_ROW_COLUMNS).where(_FORM.c.case_id == bindparam("case_id"))


def _visit_reads():
    # The visit page's reads as one statement: part 0 the household and its members, each row with
    # the case's last completion (from a one-row start, so the completion comes without a
    # household too), part 1 the case's forms; each part's columns empty (NULL) in the other's rows.
    household = (_HOUSEHOLD.c.id, _HOUSEHOLD.c.household_number, _HOUSEHOLD.c.head_name, _HOUSEHOLD.c.address,
                 _HOUSEHOLD.c.county_code, _HOUSEHOLD.c.township_code, _HOUSEHOLD.c.village_code)
    members = (_PERSON.c.id, _PERSON.c.name, _PERSON.c.id_number, _PERSON.c.relation_to_head, _PERSON.c.birth_date)
    start = select(literal_column("1").label("one")).subquery("start")
    part = literal_column("0").label("part")
    first = (select(part, *(c.label(f"household_{c.name}") for c in household),
                    *(c.label(f"member_{c.name}") for c in members),
                    *(c.label(f"last_{c.name}") for c in _LAST_COMPLETION_JOINED.c),
                    *(type_coerce(null(), c.type).label(f"form_{c.name}") for c in _FORM_ROW_COLUMNS))
             .select_from(start.outerjoin(_HOUSEHOLD, _HOUSEHOLD.c.id == bindparam("household_id"))
                          .outerjoin(_PERSON, _PERSON.c.household_id == _HOUSEHOLD.c.id)
                          .outerjoin(_LAST_COMPLETION_JOINED, true())))
    empty = len(household) + len(members) + len(_LAST_COMPLETION_JOINED.c)
    forms = select(literal_column("1"), *(null() for _ in range(empty)), *_FORM_ROW_COLUMNS).where(
        _FORM.c.case_id == bindparam("case_id"))
    both = union_all(first, forms)
    return both.order_by(both.selected_columns.part, both.selected_columns.member_id)


_VISIT_READS = _visit_reads()
# The same with the page's audit event written in its statement (PostgreSQL), compiled once.
_VISIT_READS_AUDITED = upserts.chain([("audited", audit.EVENT_INSERT)], upserts.as_text(
    _VISIT_READS, postgresql, {"household_id": _HOUSEHOLD.c.id.type, "case_id": _FORM.c.case_id.type},
    "the visit page's reads")).statement.columns(*(column(c.name, c.type) for c in _VISIT_READS.selected_columns))


def save_registration_form(row, user, id_number, name, data, person=None, record=None):
    """Create or update the registration form (``data``: its fields) of one person in the visit
    task's case; returns the form's id.

    ``record`` is the form of a person added during this visit when it is being corrected; its
    ID number may change then (it is not in the registry yet)."""
    case = row.case
    if record is not None:
        same_id = db.session.execute(_FORM_ID_OF_PERSON, {"case_id": case.id, "id_number": id_number}).scalar()
        if same_id is not None and same_id != record.id:
            raise TaskRefused(_("本户已有该公民身份号码的登记表。"))
    if person is None:
        person = db.session.execute(_PERSON_OF_ID_NUMBER, {"id_number": id_number}).first()
        if person is not None and person.household_id != case.household_id:
            raise TaskRefused(_("该公民身份号码已登记在其他户，请核实后通过变更办理。"))
    values = {"id_number": id_number, "person_id": getattr(person, "id", None), "name": name.strip(),
              "data": data, "filled_by_id": user.id, "updated_at": utcnow()}
    if record is not None:
        for key, value in values.items():
            setattr(record, key, value)
        form_id = record.id
        audit.write(user, "update_person", "registration_form", id_number, detail=f"case {case.id}")
    else:
        form_id = _store_form(case.id, values, (user, "update_person", "registration_form", id_number,
                                                f"case {case.id}"))
    return form_id


def _store_form(case_id, values, audited):
    """Insert the case's form of ``values["id_number"]``, or update it when it exists: one
    ``INSERT ... ON CONFLICT (case, ID number) DO UPDATE``. A simultaneous save of the same new
    form (a double click, a phone syncing twice) waits for the other's row and then updates it,
    instead of failing on the unique key with an error page; the last save's values stay.

    Its audit event (``audited``: the arguments of ``audit.write``) is written in the same
    statement on PostgreSQL (a data-modifying WITH query), right after it elsewhere."""
    # On the session's connection: a text statement is not the ORM's (the session would not flush
    # for it either), and the session's execute cost more than the statement's own sending.
    form_id = upserts.execute_along(db.session.connection(), _UPSERT_FORM, dict(values, case_id=case_id),
                                    _UPSERT_FORM_AUDITED, lambda: audit.event_values(*audited),
                                    lambda: audit.write(*audited)).scalar_one()
    # A copy of the row this session may hold is now out of date: read again when next used.
    stale = db.session.identity_map.get(inspect(RegistrationForm).identity_key_from_primary_key((form_id,)))
    if stale is not None:
        db.session.expire(stale)
    return form_id


# The same SQL on PostgreSQL and SQLite. Written out rather than built with the dialects' insert():
# SQLAlchemy cannot cache a statement with an ON CONFLICT clause, and compiling it on every save
# cost more than the rest of the save; a text statement is compiled once. Its parameters carry
# the columns' types, so the JSON data and the time are written as the ORM writes them.
_FORM_COLUMNS = ("case_id", "id_number", "person_id", "name", "data", "filled_by_id", "updated_at")
_FORM_BINDS = tuple(bindparam(name, type_=RegistrationForm.__table__.c[name].type) for name in _FORM_COLUMNS)
_UPSERT_FORM_SQL = (f"INSERT INTO registration_form ({', '.join(_FORM_COLUMNS)}) "
                    f"VALUES ({', '.join(':' + name for name in _FORM_COLUMNS)}) "
                    "ON CONFLICT (case_id, id_number) DO UPDATE SET "
                    + ", ".join(f"{name} = excluded.{name}" for name in _FORM_COLUMNS[2:])
                    + " RETURNING id")
_UPSERT_FORM = text(_UPSERT_FORM_SQL).bindparams(*_FORM_BINDS).columns(RegistrationForm.__table__.c.id)
# The same with its audit event (PostgreSQL): one statement, chained as every WITH chain is.
_UPSERT_FORM_AUDITED = upserts.chain(
    [("saved", upserts.Compiled(_UPSERT_FORM, _UPSERT_FORM_SQL, _FORM_BINDS)), ("audited", audit.EVENT_INSERT)],
    upserts.Compiled(None, "SELECT id FROM saved", ())).statement.columns(RegistrationForm.__table__.c.id)
_FORM_ID_OF_PERSON = select(RegistrationForm.id).where(RegistrationForm.case_id == bindparam("case_id"),
                                                       RegistrationForm.id_number == bindparam("id_number"))
_PERSON_FOR_FORM_COLUMNS = ("id", "household_id", "id_number", "name", "sex", "birth_date", "relation_to_head",
                            "hukou_address")
PersonForForm = namedtuple("PersonForForm", _PERSON_FOR_FORM_COLUMNS)
# The task with its case and the person: the person's columns after the task (none when not there).
_TASK_AND_PERSON = (task_views.TASK_AND_CASE
                    .add_columns(*(_PERSON.c[name].label(f"person_{name}") for name in _PERSON_FOR_FORM_COLUMNS))
                    .outerjoin(_PERSON, _PERSON.c.id == bindparam("person_id")))
_PERSON_START = task_views.TASK_AND_CASE_WIDTH
_PERSON_OF_ID_NUMBER = select(Person.id, Person.household_id).where(Person.id_number == bindparam("id_number"))


def complete_visit(row, user, result, visit_date, policy_explained, comment=""):
    """Complete the visit with its result and date; a finished visit needs a form for every member."""
    if result == "completed":
        missing = missing_forms(row.case)
        if missing:
            names = "、".join(person.name for person in missing)
            raise TaskRefused(_("以下人员尚未填写登记表：%(names)s", names=names))
    # The result and note go to the step's own variables (its diagram's decision/comment variables).
    decision_key, comment_key = form_kinds.variables_of(row)
    data = {decision_key or "visit_result": result, "visit_date": visit_date.isoformat(),
            "policy_explained": bool(policy_explained), comment_key or "visit_comment": comment or ""}
    return cases.complete(row, user, data)


def revisit_of(row, last=_UNREAD):
    """The not-at-home visit event ``row`` repeats, or None (then ``row`` is a first visit or a return).

    A visit that found nobody home is not a return: the revisit shows its own words and the note.
    A row of the event's ``at``, ``task_name``, ``decision``, ``comment`` and ``actor_name``.
    ``last``: the case's last completion when already read (``household_forms_and_last_completion``).
    """
    form_kind, _step = form_kinds.kind_of(row)
    if form_kind is None or form_kind.code != "visit":
        return None
    if last is _UNREAD:
        last = db.session.connection().execute(_LAST_COMPLETION, {"case_id": row.case_id}).first()
    # The same step found nobody home last time (a return from review is not a revisit).
    if last is not None and last.task_name == row.task_name and last.decision in form_kind.returns:
        return last
    return None


def complete_review(row, user, decision, comment):
    """Complete a review task with its decision and comment."""
    decision_key, comment_key = form_kinds.variables_of(row)
    if decision_key is None:
        raise TaskRefused(_("此环节的流程图未指定表单类型，无法办理。"))
    return cases.complete(row, user, {decision_key: decision, comment_key: (comment or "").strip()})
