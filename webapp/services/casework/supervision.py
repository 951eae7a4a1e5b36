"""Supervision: what is late and where, and moving work (reassign, absent staff, due dates).

Every query goes through the scoping rule; every action leaves a timeline event and an audit
record. Reassignment is a conditional UPDATE on an open row, so it cannot revive a task that
someone finished meanwhile. The caller commits.
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case as sql_case, func, update

from ... import areacodes, clock
from ...extensions import db
from ...models import WORKING_ROLES, Area, Case, InboxTask, User
from ...models.base import utcnow
from .. import audit, notifications
from . import cases
from ..campaign import progress
from .inbox import SORTS, task_page
from ..scoping import in_scope, scope_condition, staff_in_scope

SUPERVISOR_ROLES = ("supervisor",)


class SupervisionRefused(Exception):
    """The action is not allowed for this task or person; the message says why."""


@dataclass
class TaskFilter:
    """What the supervisor asked to see in the task list."""

    due: str = "overdue"  # overdue / soon / all
    township: str | None = None
    village: str | None = None
    assignee: str | None = None  # a user id, or "none" for the unclaimed pool
    lane: str | None = None


def _open(user):
    return [InboxTask.state == "ready", scope_condition(InboxTask, user)]


def _due_conditions(due, now):
    if due == "overdue":
        return [InboxTask.late_at(now)]
    if due == "soon":
        return [InboxTask.due_soon_at(now)]
    return []


def summary(user, now=None):
    """Open, overdue and due-soon counts grouped by township, village and person (with names)."""
    now = now or utcnow()
    late = func.sum(sql_case((InboxTask.late_at(now), 1), else_=0))
    soon = func.sum(sql_case((InboxTask.due_soon_at(now), 1), else_=0))

    def grouped(column):
        rows = (db.session.query(column, func.count(InboxTask.id), late, soon).filter(*_open(user))
                .group_by(column).all())
        return [{"key": key, "open": n, "overdue": int(o or 0), "soon": int(s or 0)} for key, n, o, s in rows]

    by_township, by_village, by_person = (grouped(InboxTask.township_code), grouped(InboxTask.village_code),
                                          grouped(InboxTask.assignee_id))
    codes = {g["key"] for g in by_township + by_village if g["key"]}
    names = dict(db.session.query(Area.code, Area.name).filter(Area.code.in_(codes))) if codes else {}
    ids = [g["key"] for g in by_person if g["key"]]
    people = {u.id: u for u in User.query.filter(User.id.in_(ids))} if ids else {}
    for group in by_township + by_village:
        # No township: county-level work (problem data, changes) and households no village matched.
        group["name"] = names.get(group["key"], group["key"]) if group["key"] else _("县级（未分到乡镇）")
    for group in by_village:
        group["township"] = areacodes.township_of(group["key"]) if group["key"] else ""
        group["township_name"] = names.get(group["township"]) or area_name_of(group["township"])
    for group in by_person:
        group["user"] = people.get(group["key"])
    order = lambda g: (-g["overdue"], -g["soon"], -g["open"])  # noqa: E731 - the worst first
    totals = {"open": sum(g["open"] for g in by_township), "overdue": sum(g["overdue"] for g in by_township),
              "soon": sum(g["soon"] for g in by_township)}
    return {"totals": totals, "townships": sorted(by_township, key=order),
            "villages": sorted([g for g in by_village if g["key"]], key=order),
            "people": sorted(by_person, key=order)}


def area_name_of(code):
    """An area's name by code (the code itself when unknown)."""
    area = Area.query.filter_by(code=code).one_or_none() if code else None
    return area.name if area else (code or "")


def list_tasks(user, flt, page=1, per_page=50, now=None):
    """One page of open tasks in ``user``'s area matching ``flt``, earliest deadline first."""
    now = now or utcnow()
    conditions = _open(user) + _due_conditions(flt.due, now)
    if flt.township:
        conditions.append(InboxTask.township_code == flt.township)
    if flt.village:
        conditions.append(InboxTask.village_code == flt.village)
    if flt.lane:
        conditions.append(InboxTask.lane == flt.lane)
    if flt.assignee == "none":
        conditions.append(InboxTask.assignee_id.is_(None))
    elif flt.assignee and flt.assignee.isdigit():
        conditions.append(InboxTask.assignee_id == int(flt.assignee))
    return task_page(conditions, SORTS["due"], page, per_page, InboxTask.case, InboxTask.assignee)


def eligible_with_load(user, rows, lane=None):
    """(person, open task count) of the staff who may take ``rows``: their lanes' roles, in scope.

    A supervisor reassigning work needs only those who can do it, and how much each already has.
    """
    lanes = {lane} if lane else {row.lane for row in rows}
    people = [p for p in staff_in_scope(user, WORKING_ROLES) if p.role in lanes
              and (not rows or any(in_scope(row, p) for row in rows if row.lane == p.role))]
    ids = [p.id for p in people]
    loads = dict(db.session.query(InboxTask.assignee_id, func.count(InboxTask.id))
                 .filter(InboxTask.state == "ready", InboxTask.assignee_id.in_(ids))
                 .group_by(InboxTask.assignee_id).all()) if ids else {}
    return [(p, loads.get(p.id, 0)) for p in people]


def check_target(row, target):
    """Raise SupervisionRefused unless ``target`` may work ``row`` (the lane's role, in its area)."""
    if target is None or not target.active:
        raise SupervisionRefused(_("目标人员不存在或已停用。"))
    if target.role != row.lane:
        raise SupervisionRefused(_("目标人员的岗位与任务不符。"))
    if not in_scope(row, target):
        raise SupervisionRefused(_("目标人员不负责该任务所在地区。"))


def _who(user):
    return user.display_name if user is not None else _("（待认领）")


def reassign(row, target, actor, reason):
    """Give open task ``row`` to ``target``; timeline, audit, and a message to the new assignee."""
    if not in_scope(row, actor):
        raise SupervisionRefused(_("任务不在您的管辖范围内。"))
    check_target(row, target)
    previous = row.assignee
    moved = db.session.execute(update(InboxTask).where(InboxTask.id == row.id, InboxTask.state == "ready")
                               .values(assignee_id=target.id), execution_options={"synchronize_session": False})
    if moved.rowcount != 1:
        raise SupervisionRefused(_("任务已办结，无法改派。"))
    db.session.refresh(row)
    case = row.case
    if row.lane == "village":
        # The named visitor is who later visits (a revisit, a return) go to: move it too.
        case.visitor_id = target.id
    comment = f"{_who(previous)} → {target.display_name}：{reason}"
    cases.add_event(case, "reassigned", actor, row.task_name, comment=comment)
    audit.record(actor, "reassign_task", "inbox_task", row.id, detail=comment)
    notifications.notify([target.id], "assigned", row=row, message=reason,
                         detail={"reassigned_by": actor.display_name})
    return row


def reassign_many(rows, target, actor, reason):
    """Reassign each row; returns (moved rows, [(row, refusal message)])."""
    moved, refused = [], []
    for row in rows:
        try:
            # A refusal is raised before anything is written, so no savepoint is needed.
            moved.append(reassign(row, target, actor, reason))
        except SupervisionRefused as err:
            refused.append((row, str(err)))
    return moved, refused


def open_tasks_of(person, actor):
    """Open tasks assigned to ``person`` inside ``actor``'s area."""
    return (InboxTask.query.filter(InboxTask.assignee_id == person.id, *_open(actor))
            .order_by(InboxTask.due_at, InboxTask.id).all())


def reassign_absent(person, target, actor, reason):
    """Move all open tasks of an absent ``person`` to ``target``; also their open cases as visitor.

    Returns (moved rows, refusals). Cases where the absent person is the named visitor get
    ``target`` as visitor when ``target`` is a village assistant who covers the case's village.
    """
    moved, refused = reassign_many(open_tasks_of(person, actor), target, actor, reason)
    if target.role == "village":
        for case in Case.query.filter(Case.visitor_id == person.id, Case.status == "open",
                                      scope_condition(Case, actor)):
            if in_scope(case, target):
                case.visitor_id = target.id
                cases.add_event(case, "reassigned", actor,
                                comment=f"{person.display_name} → {target.display_name}：{reason}")
    audit.record(actor, "reassign_absent", "user", person.id,
                 detail=f"→ {target.username}: {len(moved)} moved, {len(refused)} refused; {reason}")
    return moved, refused


def _local_text(value):
    """A stored UTC time as local wall-clock text for the timeline (no request needed)."""
    if value is None:
        return "—"
    return clock.to_local(value).strftime("%Y-%m-%d %H:%M")


def change_due(row, new_due, actor, reason, now=None):
    """Set a new deadline on open task ``row`` (naive UTC), with a reason.

    A deadline moved into the future clears the overdue mark: if the new one passes too, the
    timer sweep escalates the task again.
    """
    now = now or utcnow()
    if not in_scope(row, actor):
        raise SupervisionRefused(_("任务不在您的管辖范围内。"))
    if row.state != "ready":
        raise SupervisionRefused(_("任务已办结，无法调整期限。"))
    if not (reason or "").strip():
        raise SupervisionRefused(_("调整期限必须写明理由。"))
    old = row.due_at
    row.due_at = new_due
    if new_due > now:
        progress.overdue_cleared(row)  # reads the flag before it is cleared
        row.overdue = False
    comment = f"{_local_text(old)} → {_local_text(new_due)}：{reason.strip()}"
    cases.add_event(row.case, "due_changed", actor, row.task_name, comment=comment)
    audit.record(actor, "change_due", "inbox_task", row.id, detail=comment)
    if row.assignee_id:
        notifications.notify([row.assignee_id], "due_changed", row=row, message=comment)
    return row
