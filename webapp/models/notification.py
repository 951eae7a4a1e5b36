"""In-app notifications: what deadlines, assignments and intake runs tell a user.

The due times themselves live where the engine writes them (``ProcessInstance.next_timer_at``,
``InboxTask.reminder_at`` / ``due_at``), with the indexes the timer sweep reads, in ``process.py``.
"""
from ..extensions import db
from .base import utcnow

NOTIFICATION_KINDS = ("assigned", "returned", "reminder", "escalated", "due_changed", "digest", "intake_mapping",
                      "intake_done", "bulletin", "recheck")


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
