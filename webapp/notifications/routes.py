"""The notification list, marking messages read, and the unread count in the top bar."""
from flask import current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..extensions import db
from ..auth import user_loading
from ..models import Notification
from ..request_context import this_user
from ..services import notifications
from . import bp


KIND_LABELS = {
    "assigned": _l("分配给您"), "returned": _l("退回给您"), "reminder": _l("到期提醒"),
    "escalated": _l("超期上报"), "due_changed": _l("期限调整"), "digest": _l("每日摘要"),
    "intake_mapping": _l("导入待映射"), "intake_done": _l("导入完成"), "bulletin": _l("定期通报"),
    "recheck": _l("用工检查复查：单位已有职工参保"),
}


# Template globals, not a context processor: nothing here varies per request, and a context
# processor is called (and its dict built and merged) on every page rendered.
@bp.app_template_global()
def unread_notifications():
    """How many unread messages the current user has (0 anonymous): counted only when a page asks
    for it, mostly read with the user already."""
    user = this_user()
    if not getattr(user, "is_authenticated", False):
        return 0
    return user_loading.unread_count(user)


@bp.app_template_global()
def notification_label(kind):
    """A message kind's name in the interface language (the kind itself when unknown)."""
    return KIND_LABELS.get(kind, kind)


@bp.route("/")
@login_required
def index():
    """My messages, newest first (optionally only the unread ones)."""
    unread_only = request.args.get("unread") == "1"
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = notifications.list_for(current_user, unread_only, page, per_page)
    return render_template("notifications/list.html", rows=rows, total=total, page=page, per_page=per_page,
                           unread_only=unread_only)


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id):
    """Mark one message read and go to its task (or case) when there is one."""
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        return redirect(url_for("notifications.index"))
    notifications.mark_read(current_user, [note.id])
    db.session.commit()
    if note.inbox_task_id and note.inbox_task and note.inbox_task.state == "ready":
        return redirect(url_for("inbox.task", task_id=note.inbox_task_id))
    if note.case_id:
        return redirect(url_for("cases.case_page", case_id=note.case_id))
    if note.detail and note.detail.get("bulletin_id"):
        return redirect(url_for("dashboard.bulletin_page", bulletin_id=note.detail["bulletin_id"]))
    if note.detail and note.detail.get("batch_id"):  # an upload: its mapping page, or its page once imported
        endpoint = "intake.mapping_page" if note.kind == "intake_mapping" else "intake.batch_page"
        return redirect(url_for(endpoint, batch_id=note.detail["batch_id"]))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every message read."""
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.index"))
