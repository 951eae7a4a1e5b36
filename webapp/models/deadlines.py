"""Deadlines and what they produce: in-app notifications, and the indexes the timer sweep reads.

The due times themselves live where the engine writes them: ``ProcessInstance.next_timer_at``
(earliest waiting timer of an instance) and ``InboxTask.reminder_at`` / ``due_at`` (the two
boundary timers of each open task). This module adds the indexes that let a sweep find due
work without scanning, and the notification table.
"""
from ..extensions import db
from .base import utcnow
from .process import InboxTask, ProcessInstance

NOTIFICATION_KINDS = ("assigned", "returned", "reminder", "escalated", "due_changed", "digest", "intake_mapping",
                      "intake_done", "bulletin")

# The timer sweep asks "running instances whose earliest timer is due, earliest first";
# (status, next_timer_at) answers it with one range scan, already in order.
ix_process_instance_due = db.Index("ix_process_instance_due", ProcessInstance.status,
                                   ProcessInstance.next_timer_at)
# The escalation sweep asks "open tasks not yet escalated whose deadline passed"; the
# equality columns first so the due_at range is read in order and LIMIT stops early.
ix_inbox_task_escalation = db.Index("ix_inbox_task_escalation", InboxTask.state, InboxTask.overdue,
                                    InboxTask.due_at)
# The reminder sweep asks the same of reminders not yet sent.
ix_inbox_task_reminder = db.Index("ix_inbox_task_reminder", InboxTask.state, InboxTask.reminded,
                                  InboxTask.reminder_at)


class Notification(db.Model):
    """One message in a user's in-app list: a task assigned or returned, a reminder, an escalation.

    ``dedupe_key`` makes writers that may run twice (timer sweeps, the daily digest) insert a
    given message at most once; messages written once by a request leave it empty.
    """

    __tablename__ = "notification"
    __table_args__ = (
        db.Index("ix_notification_user_unread", "user_id", "read_at"),
        db.Index("ix_notification_user_recent", "user_id", "id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    user = db.relationship("User")
    kind = db.Column(db.String(16), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    case = db.relationship("Case")
    inbox_task_id = db.Column(db.Integer, db.ForeignKey("inbox_task.id"), index=True)
    inbox_task = db.relationship("InboxTask")
    message = db.Column(db.Text)
    detail = db.Column(db.JSON)
    dedupe_key = db.Column(db.String(96), unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime)
