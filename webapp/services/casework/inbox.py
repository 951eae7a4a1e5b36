"""Inbox queries: they read only the inbox projection, never a serialized workflow."""
from collections import namedtuple
from dataclasses import dataclass
from sqlalchemy import and_, bindparam, func, or_, select, true

from ...extensions import db
from ...memo import Memo
from ...models import COUNTY_ROLES, Area, Case, InboxTask
from ...models.base import utcnow
from ..scoping import bound_scope, scope_condition

# On the table's columns, for ORM queries and plain-row statements alike: with the mapped
# attributes in its ordering, a plain-row statement would run through the ORM's loading again.
_ORDERED = InboxTask.__table__.c
# Each sort as (column, direction) pairs: of the table here, of a page's subquery below.
_SORT_KEYS = {"due": (("due_at", "asc"), ("id", "asc")), "-due": (("due_at", "desc"), ("id", "desc")),
              "new": (("id", "desc"),)}
SORTS = {sort: tuple(getattr(_ORDERED[name], way)() for name, way in keys) for sort, keys in _SORT_KEYS.items()}


@dataclass
class InboxFilter:
    """What the user asked to see."""

    view: str = "mine"  # mine / team
    process_id: str | None = None
    area_code: str | None = None
    due: str | None = None  # overdue / soon
    sort: str = "due"
    text: str | None = None  # words of the case title (household head, household number)


def _base(user, view):
    conditions = [InboxTask.state == "ready", scope_condition(InboxTask, user)]
    if view == "team":
        conditions += [InboxTask.assignee_id.is_(None), InboxTask.lane == user.role]
    else:
        conditions.append(InboxTask.assignee_id == user.id)
    return conditions


def _filters(flt):
    now = utcnow()
    conditions = []
    if flt.process_id:
        conditions.append(InboxTask.process_id == flt.process_id)
    if flt.area_code:
        if flt.area_code.endswith("000"):
            conditions.append(InboxTask.township_code == flt.area_code)
        else:
            conditions.append(InboxTask.village_code == flt.area_code)
    if flt.text:
        conditions.append(InboxTask.case.has(Case.title.contains(flt.text.strip()[:64])))
    if flt.due == "overdue":
        conditions.append(InboxTask.late_at(now))
    elif flt.due == "soon":
        conditions.append(InboxTask.due_soon_at(now))
    return conditions


def task_page(conditions, order, page, per_page, *loads, total=None):
    """(one page of tasks matching ``conditions`` in ``order``, the total matching): every task list.

    ``loads`` are relationships loaded with the rows (the case, the assignee); ``total``, when
    the caller knows it already, saves counting again.
    """
    query = InboxTask.query.filter(*conditions)
    if total is None:
        total = query.order_by(None).with_entities(func.count(InboxTask.id)).scalar()
    rows = (query.options(*(db.joinedload(load) for load in loads)).order_by(*order)
            .limit(per_page).offset((max(page, 1) - 1) * per_page).all())
    return rows, total


def list_tasks(user, flt, page=1, per_page=20):
    """One page of tasks for ``user`` matching ``flt`` and the total matching, as ``InboxTask``s
    carrying their case: for work on the tasks themselves (a bulk action's "all matching")."""
    return task_page(_base(user, flt.view) + _filters(flt), SORTS.get(flt.sort, SORTS["due"]), page, per_page,
                     InboxTask.case)


# What the task list page shows of a task (webapp/inbox/task_list.py) and what its bulk buttons
# read (steps.page_flags), selected as plain rows: building 20 tasks and 20 cases as ORM objects
# (identity map, instance state, the joined eager load's row processing) cost more than the rest
# of the page's query. ``id``, ``title``, ``task_name``, ``process_id`` and ``diagram_version_id``
# keep the names of InboxTask's attributes, so the row builder and step lookups read either.
_TASKS, _CASES, _AREAS = InboxTask.__table__.c, Case.__table__.c, Area.__table__.c
# The name of the area a row shows (its village's, else its township's; None when no area has that
# code) read with the row: a separate look-up of the page's area names was one statement more.
# A scalar subquery, so PostgreSQL looks it up for the page's rows only, after sorting and limiting.
_AREA_NAME = (select(_AREAS.name)
              .where(_AREAS.code == func.coalesce(func.nullif(_TASKS.village_code, ""), _TASKS.township_code))
              .scalar_subquery().label("area_name"))
LIST_COLUMNS = (_TASKS.id, _TASKS.case_id, _CASES.title.label("case_title"), _TASKS.title, _TASKS.task_name,
                _TASKS.process_id, _TASKS.diagram_version_id, _TASKS.village_code, _TASKS.township_code,
                _TASKS.due_at, _TASKS.overdue, _TASKS.return_reason, _AREA_NAME)
# The rows handed out as named tuples of these columns: a SQLAlchemy Row finds a column by name
# only after its class's attribute lookup has failed (about 1 µs each), and a page's rows are read
# some 300 times by name (the row builder, the bulk flags); a named tuple's field is a C lookup.
ListRow = namedtuple("ListRow", [column.key for column in LIST_COLUMNS])
_LIST_WIDTH = len(LIST_COLUMNS)


def _rows_statement(conditions, sort):
    # An inner join: every task has its case (case_id is a non-null foreign key).
    return (select(*LIST_COLUMNS).join_from(InboxTask.__table__, Case.__table__, _TASKS.case_id == _CASES.id)
            .where(*conditions).order_by(*SORTS[sort]))


def list_rows(user, flt, page=1, per_page=20):
    """One page of the task list for ``user`` (rows of ``LIST_COLUMNS``) and the total matching:
    the same tasks in the same order as ``list_tasks``. (``page_and_counts`` reads a plain tab's
    page with the tab figures.)"""
    offset, sort = (max(page, 1) - 1) * per_page, flt.sort if flt.sort in SORTS else "due"
    conditions = _base(user, flt.view) + _filters(flt)
    total = db.session.execute(select(func.count(InboxTask.id)).where(*conditions)).scalar()
    statement = _rows_statement(conditions, sort).limit(per_page).offset(offset)
    # (A Core statement skips the session's autoflush: the count just before flushed.)
    return [ListRow._make(row) for row in db.session.execute(statement)], total


def page_and_counts(user, flt, page=1, per_page=20):
    """(one page of the task list, the total matching, the tab figures): what ``list_rows`` and
    ``counts`` give for ``user`` and ``flt``. A plain tab (mine or the team's, no filter) reads its
    figures and its page in one statement built once: the figures' one row, joined with the page's
    rows (none when the page is empty)."""
    sort = flt.sort if flt.sort in SORTS else "due"
    if flt.view not in ("mine", "team") or _filters(flt):
        figures = counts(user)
        return (*list_rows(user, flt, page, per_page), figures)
    shape, scope, params = bound_scope(InboxTask.__table__, user)
    statement = _COUNTED_PAGES.get((shape, flt.view, sort))
    if statement is None:  # two threads may both build it: the same statement either way
        statement = _COUNTED_PAGES.put((shape, flt.view, sort), _counted_page_statement(scope, flt.view, sort))
    params.update(user_id=user.id, role=user.role, now=utcnow(), limit=per_page,
                  offset=(max(page, 1) - 1) * per_page)
    db.session.flush()  # as ``counts`` does: a Core statement skips the session's autoflush
    # On the session's connection: the session's execute would only add its own cost to a Core statement.
    rows = db.session.connection().execute(statement, params).all()
    first = rows[0]  # the figures' row is always there
    figures = {"mine": first.figure_mine or 0, "team": first.figure_team or 0, "overdue": first.figure_overdue or 0}
    # The page's columns come first (an empty page: one row of figures, its page columns null).
    return [ListRow._make(row[:_LIST_WIDTH]) for row in rows if row[0] is not None], figures[flt.view], figures


def _counted_page_statement(scope, view, sort):
    figures = _counts_statement(scope).subquery("figures")
    page = _rows_statement(_bound_base(scope, view, _TASKS), sort).limit(bindparam("limit")) \
        .offset(bindparam("offset")).subquery("page")
    return (select(*page.c, *figures.c).select_from(figures.outerjoin(page, true()))
            .order_by(*(getattr(page.c[name], way)() for name, way in _SORT_KEYS[sort])))


# The plain tabs' statements of figures and page per (area condition's shape, view, sort): a few
# dozen at most (the bound only guards the process, webapp/memo.py).
_COUNTED_PAGES = Memo(256)


def _bound_base(scope, view, tasks=InboxTask):
    """``_base`` with the user's id and role as bound parameters (on ``tasks``: InboxTask or its
    table's columns)."""
    if view == "team":
        return [tasks.state == "ready", scope, tasks.assignee_id.is_(None), tasks.lane == bindparam("role")]
    return [tasks.state == "ready", scope, tasks.assignee_id == bindparam("user_id")]


def counts(user):
    """The numbers on the inbox tabs: mine, team's unclaimed, mine overdue."""
    shape, scope, params = bound_scope(InboxTask.__table__, user)
    statement = _COUNTS.get(shape)
    if statement is None:  # two threads may both build it: the same statement either way
        statement = _COUNTS.put(shape, _counts_statement(scope))
    # A Core statement on the table's columns (the ORM's statement handling cost more than the
    # figures' SQL): it skips the session's autoflush, so what the session holds is flushed first.
    db.session.flush()
    row = db.session.execute(statement, dict(params, user_id=user.id, role=user.role, now=utcnow())).one()
    return {"mine": row[0] or 0, "team": row[1] or 0, "overdue": row[2] or 0}


# The tab figures' statement per shape of area condition, built once: building and keying it
# anew on every inbox page cost more than running it (0.43 of 0.71 ms). A few at most (as above).
_COUNTS = Memo(64)


def _counts_statement(scope):
    # One statement for the three figures: the open tasks in the user's area that are theirs or
    # their team's, counted three ways.
    mine = _TASKS.assignee_id == bindparam("user_id")
    team = and_(_TASKS.assignee_id.is_(None), _TASKS.lane == bindparam("role"))
    late = _TASKS.due_at < bindparam("now")  # InboxTask.late_at on the table's column
    return (select(func.count(_TASKS.id).filter(mine).label("figure_mine"),
                   func.count(_TASKS.id).filter(team).label("figure_team"),
                   func.count(_TASKS.id).filter(and_(mine, late)).label("figure_overdue"))
            .where(_TASKS.state == "ready", scope, or_(mine, team)))


def area_choices(user):
    """The areas the inbox can be filtered by, as rows with ``code`` and ``name``:
    [(township, [villages])] inside the user's area, ordered by code.

    Village assistants see only their own village, so they get no choice (an empty list)."""
    if user.role in COUNTY_ROLES:
        statement, params = _AREA_CHOICES["county"], {"prefix": user.area.county_code + "%"}
    elif user.role == "township":
        statement, params = _AREA_CHOICES["township"], {"code": user.area.township_code}
    else:
        return []
    townships, by_parent = [], {}
    for row in db.session.execute(statement, params):
        if row.is_township:
            townships.append(row)
        else:
            by_parent.setdefault(row.parent_id, []).append(row)
    return [(township, by_parent.get(township.id, [])) for township in townships]


def _area_choices_statement(townships):
    # The townships (``townships(columns)``) and their children in one statement of plain rows
    # (it was two statements loading Area objects); a township's child is never a township itself.
    areas, parents = Area.__table__.c, Area.__table__.alias("parent").c  # the alias: not correlated
    return (select(areas.id, areas.code, areas.name, areas.parent_id, townships(areas).label("is_township"))
            .where(or_(townships(areas), areas.parent_id.in_(select(parents.id).where(townships(parents)))))
            .order_by(areas.code))


# Built once per kind of user (county roles: the county's townships; a township's staff: theirs).
_AREA_CHOICES = {
    "county": _area_choices_statement(lambda areas: and_(areas.level == "township",
                                                         areas.code.like(bindparam("prefix")))),
    "township": _area_choices_statement(lambda areas: areas.code == bindparam("code")),
}
