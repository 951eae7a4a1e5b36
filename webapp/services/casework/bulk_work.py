"""Work that comes in numbers: claiming many team tasks, approving many clean first reviews.

Each task is done on its own (its own claim, its own completion and timeline entry, its own
commit by the caller), so one refusal does not undo the others and every case keeps its record."""
from flask_babel import gettext as _

from ... import engine
from ...extensions import db
from ...idnumber import sex as id_sex
from ...models import InboxTask
from . import cases, steps, tasks
from ..scoping import in_scope
from .tasks import TaskRefused

BULK_APPROVE_COMMENT = "批量初审通过（无提示项）"


def load_task(task_id, user):
    """The inbox row ``task_id`` when it is in ``user``'s area, else None."""
    row = db.session.get(InboxTask, task_id)
    return row if row is not None and in_scope(row, user) else None


def claim_one(row, user):
    """Claim one team task of ``user``'s lane; raises TaskRefused with the reason otherwise."""
    if row.lane != user.role:
        raise TaskRefused(_("此任务不属于您的岗位。"))
    if row.state != "ready" or row.assignee_id not in (None, user.id) or not cases.claim(row, user):
        raise TaskRefused(_("此任务已被他人认领。"))


def review_warnings(row):
    """What a first reviewer should look at before approving (empty when the visit is clean)."""
    case = row.case
    found = []
    if row.return_reason:
        found.append(_("曾被退回"))
    filled = tasks.filled_forms(case.id)
    if case.household is not None and tasks.missing_forms(case, filled):
        found.append(_("有户内人员未填登记表"))
    for form in filled.values():
        data = form.data or {}
        if data.get("sex") and len(form.id_number) == 18 and data["sex"] != id_sex(form.id_number):
            found.append(_("%(name)s 的性别与身份号码不一致", name=form.name))
        if data.get("signature") != "signed":
            found.append(_("%(name)s 未签字确认", name=form.name))
        if not data.get("outcome_code"):
            found.append(_("%(name)s 没有调查结果", name=form.name))
    if not filled:
        found.append(_("没有登记表"))
    return found


def approve_one(row, user):
    """Approve one review with no warnings; raises TaskRefused with the reason otherwise.

    Only a step whose diagram allows it (property ``bulk_approval`` = ``true``: the first review)."""
    if steps.step_option(row, "bulk_approval") != "true":
        raise TaskRefused(_("只有乡镇初审可以批量通过。"))
    if row.assignee_id is None:
        claim_one(row, user)
    tasks.check_can_work(row, user)
    warnings = review_warnings(row)
    if warnings:
        raise TaskRefused(_("有提示项，请逐户审核：%(w)s", w="；".join(warnings[:3])))
    tasks.complete_review(row, user, "approve", BULK_APPROVE_COMMENT)


def run_each(task_ids, user, action):
    """Run ``action(row, user)`` for each task id, committing each; returns (done, refusals)."""
    done, refused = 0, []
    for task_id in task_ids:
        row = load_task(task_id, user)
        if row is None:
            continue
        title = row.case.title
        try:
            action(row, user)
            db.session.commit()
            done += 1
        except (TaskRefused, engine.TaskNotAvailable) as err:
            db.session.rollback()
            refused.append(f"{title}：{err if isinstance(err, TaskRefused) else _('此任务已不在待办状态。')}")
    return done, refused
