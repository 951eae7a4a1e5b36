"""In-app notifications: writing them (once), counting, listing, and the daily digest.

Writers that may run twice (timer sweeps, digest jobs) give each message a ``dedupe_key`` and
insert with "on conflict do nothing", so a retried job never shows a message twice.
"""
from sqlalchemy import bindparam, case as sql_case, func, select

from .. import clock
from ..extensions import db
from ..infra import upserts
from ..memo import RequestKept
from ..models import WORKING_ROLES, InboxTask, Notification, User
from ..models.base import utcnow
from .scoping import scope_condition

# Roles that work tasks and so get a digest (administrators and data providers do not).
DIGEST_ROLES = WORKING_ROLES
DIGEST_LOCAL_HOUR = 7  # digests are produced from 07:00 local time on


def insert_ignoring_duplicates(values):
    """Insert notification rows (dicts); rows whose ``dedupe_key`` exists already are skipped."""
    now = utcnow()
    rows = [{**_EMPTY, "created_at": now, **value} for value in values]
    upserts.upsert_rows(db.session, Notification.__table__, ("dedupe_key",), rows)


_EMPTY = {"case_id": None, "inbox_task_id": None, "message": None, "detail": None, "dedupe_key": None}


def notify(user_ids, kind, row=None, case=None, message=None, dedupe=None, detail=None):
    """Notify each of ``user_ids`` about inbox ``row`` (or ``case``).

    ``dedupe`` (a short string) makes the message unique per user: the key is
    ``kind:dedupe:user``. Without it every call adds a message.
    """
    case_id = row.case_id if row is not None else getattr(case, "id", None)
    values = []
    for user_id in sorted({uid for uid in user_ids if uid}):
        values.append({"user_id": user_id, "kind": kind, "case_id": case_id,
                       "inbox_task_id": getattr(row, "id", None), "message": message, "detail": detail,
                       "dedupe_key": f"{kind}:{dedupe}:{user_id}" if dedupe is not None else None})
    insert_ignoring_duplicates(values)
    return len(values)


def tasks_arrived(rows, actor=None, returned=False):
    """New inbox rows with an assignee: tell the assignee (assigned, or returned with its reason).

    Nobody is told about a task they just gave themselves (a revisit they recorded).
    """
    rows = [row for row in rows if row.assignee_id and row.assignee_id != getattr(actor, "id", None)]
    if not rows:
        return 0
    if any(row.id is None for row in rows):
        db.session.flush()  # the messages point at the rows
    for row in rows:
        kind = "returned" if returned else "assigned"
        notify([row.assignee_id], kind, row=row, message=row.return_reason if returned else None)
    return len(rows)


def unread_count(user):
    """How many unread messages ``user`` has (the number in the top bar)."""
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar()


# Every page's header asks: built once, the compiled cache answers it (building and keying the
# statement anew cost more than running it).
_UNREAD = select(func.count(Notification.id)).where(Notification.user_id == bindparam("user_id"),
                                                    Notification.read_at.is_(None))
# The same count as a column of a statement that selects users (the user load of every request
# carries it: webapp/auth/user_loading.py).
UNREAD_OF_USER = (select(func.count(Notification.id))
                  .where(Notification.user_id == User.id, Notification.read_at.is_(None))
                  .scalar_subquery())


# A count read along with something else (the user load, webapp/auth/user_loading.py) is kept
# for that request (webapp/memo.py's RequestKept: ``UNREAD_KEPT.keep(session, request, user id,
# count)``, ``.kept(session, request, user id)``), and forgotten whenever the session may write
# messages: a statement writing them (an upsert, a bulk update or delete, SQL text) or an ORM flush
# of a message. Messages are written through the session only (pinned by a test): a statement on
# the raw connection is not seen.
UNREAD_KEPT = RequestKept("unread_kept", Notification)


def list_for(user, unread_only=False, page=1, per_page=20):
    """One page of ``user``'s messages, newest first, and the total."""
    query = Notification.query.filter(Notification.user_id == user.id)
    if unread_only:
        query = query.filter(Notification.read_at.is_(None))
    total = query.with_entities(func.count(Notification.id)).scalar()
    rows = (query.options(db.joinedload(Notification.case), db.joinedload(Notification.inbox_task))
            .order_by(Notification.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page).all())
    return rows, total


def mark_read(user, notification_ids=None):
    """Mark ``user``'s messages read (all of them when no ids are given); returns how many."""
    query = Notification.query.filter(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        query = query.filter(Notification.id.in_(list(notification_ids)))
    return query.update({"read_at": utcnow()}, synchronize_session=False)


def _local_today(now):
    return clock.to_local(now)


def _personal_counts(now):
    """{assignee id: (open, overdue, due soon)} over every open task, in one grouped query."""
    overdue = sql_case((InboxTask.late_at(now), 1), else_=0)
    soon = sql_case((InboxTask.due_soon_at(now), 1), else_=0)
    rows = (db.session.query(InboxTask.assignee_id, func.count(InboxTask.id), func.sum(overdue), func.sum(soon))
            .filter(InboxTask.state == "ready", InboxTask.assignee_id.isnot(None))
            .group_by(InboxTask.assignee_id).all())
    return {uid: (int(n), int(late or 0), int(near or 0)) for uid, n, late, near in rows}


def _area_overdue(user, now):
    return (db.session.query(func.count(InboxTask.id))
            .filter(InboxTask.state == "ready", InboxTask.late_at(now), scope_condition(InboxTask, user))
            .scalar())


def _team_unclaimed(user):
    return (db.session.query(func.count(InboxTask.id))
            .filter(InboxTask.state == "ready", InboxTask.assignee_id.is_(None), InboxTask.lane == user.role,
                    scope_condition(InboxTask, user)).scalar())


def build_daily_digests(now=None):
    """Write today's digest for every working user who has something to read; safe to run twice.

    Before 07:00 local time nothing is written, so a digest describes the working day ahead.
    """
    now = now or utcnow()
    local = _local_today(now)
    if local.hour < DIGEST_LOCAL_HOUR:
        return 0
    day = local.date().isoformat()
    personal = _personal_counts(now)
    existing = {key for (key,) in db.session.query(Notification.dedupe_key)
                .filter(Notification.kind == "digest", Notification.dedupe_key.like(f"digest:{day}:%"))}
    values = []
    for user in User.query.filter(User.active.is_(True), User.role.in_(DIGEST_ROLES)).order_by(User.id):
        key = f"digest:{day}:{user.id}"
        if key in existing:
            continue
        mine, late, near = personal.get(user.id, (0, 0, 0))
        detail = {"day": day, "open": mine, "overdue": late, "due_soon": near, "team": _team_unclaimed(user),
                  "unread": unread_count(user)}
        if user.role == "supervisor":
            detail["area_overdue"] = _area_overdue(user, now)
        if not any(value for name, value in detail.items() if name != "day"):
            continue
        values.append({"user_id": user.id, "kind": "digest", "detail": detail, "dedupe_key": key})
    insert_ignoring_duplicates(values)
    return len(values)
