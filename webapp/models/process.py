"""Engine state: diagram versions, process instances, and the inbox projection."""
from datetime import timedelta

from sqlalchemy import and_
from sqlalchemy.ext.hybrid import hybrid_method

from ..extensions import db
from .base import utcnow

# A task whose deadline is this close counts as "due soon" on every list and digest.
DUE_SOON = timedelta(days=2)


class DiagramVersion(db.Model):
    """A deployed diagram bundle (a process and the processes it calls), stored once by hash."""

    __tablename__ = "diagram_version"
    id = db.Column(db.Integer, primary_key=True)
    process_id = db.Column(db.String(64), nullable=False, index=True)
    content_hash = db.Column(db.String(64), nullable=False, unique=True)
    # {file name: BPMN XML}; deferred: only parsing a version needs it, and it is large.
    files = db.orm.deferred(db.Column(db.JSON, nullable=False))
    is_current = db.Column(db.Boolean, nullable=False, default=False)
    deployed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    deployed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    deployed_by = db.relationship("User")
    comment = db.Column(db.String(256))


class ProcessInstance(db.Model):
    """One running workflow. ``version`` is the optimistic lock: one writer per instance."""

    __tablename__ = "process_instance"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    case = db.relationship("Case", backref="instances")
    diagram_version_id = db.Column(db.Integer, db.ForeignKey("diagram_version.id"), nullable=False, index=True)
    diagram_version = db.relationship("DiagramVersion")
    serializer_version = db.Column(db.String(16), nullable=False)
    state = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="running", index=True)
    # Earliest due time of the instance's waiting timers; the timer sweep reads only this.
    next_timer_at = db.Column(db.DateTime, index=True)
    # The diagram elements and flows the case passed, kept when pruning drops them (engine/passed.py).
    passed = db.Column(db.JSON)
    version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    __mapper_args__ = {"version_id_col": version}


class InboxTask(db.Model):
    """A ready (or finished) human task, projected from the workflow state in the same transaction.

    Listing and counting tasks reads only this table, never the serialized workflow.
    """

    __tablename__ = "inbox_task"
    __table_args__ = (
        db.Index("ix_inbox_assignee_open", "assignee_id", "state", "due_at"),
        db.Index("ix_inbox_team_township", "lane", "township_code", "state", "assignee_id", "due_at"),
        db.Index("ix_inbox_team_village", "lane", "village_code", "state", "assignee_id", "due_at"),
        db.Index("ix_inbox_instance_state", "instance_id", "state"),
        # The per-version heatmap: one grouped count read from this index alone.
        db.Index("ix_inbox_heatmap", "diagram_version_id", "state", "county_code", "process_id", "task_name",
                 "township_code", "due_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    case = db.relationship("Case")
    instance_id = db.Column(db.Integer, db.ForeignKey("process_instance.id"), nullable=False)
    instance = db.relationship("ProcessInstance")
    # The instance's diagram version, copied so the heatmap needs no join.
    diagram_version_id = db.Column(db.Integer, db.ForeignKey("diagram_version.id", name="fk_inbox_task_diagram_version"))
    task_uuid = db.Column(db.String(36), nullable=False, unique=True)
    task_name = db.Column(db.String(64), nullable=False)
    title = db.Column(db.String(128), nullable=False)
    process_id = db.Column(db.String(64), nullable=False)
    lane = db.Column(db.String(16), nullable=False)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))
    assignee_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    assignee = db.relationship("User", foreign_keys=[assignee_id])
    state = db.Column(db.String(16), nullable=False, default="ready")  # ready / completed / cancelled
    due_at = db.Column(db.DateTime)
    reminder_at = db.Column(db.DateTime)
    overdue = db.Column(db.Boolean, nullable=False, default=False)
    # The reminder was sent (by the sweep's fast path or the engine, whichever came first).
    reminded = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # The reason a returned task came back, shown on the task.
    return_reason = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    completed_at = db.Column(db.DateTime)
    completed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    completed_by = db.relationship("User", foreign_keys=[completed_by_id])

    @hybrid_method
    def late_at(self, now):
        """Past its deadline at ``now`` (naive UTC); in SQL a condition (the one overdue test)."""
        return self.due_at is not None and self.due_at < now

    @late_at.expression
    def late_at(cls, now):
        return cls.due_at < now

    @hybrid_method
    def due_soon_at(self, now):
        """Not late yet at ``now`` but due within :data:`DUE_SOON`; in SQL a condition."""
        return self.due_at is not None and now <= self.due_at < now + DUE_SOON

    @due_soon_at.expression
    def due_soon_at(cls, now):
        return and_(cls.due_at >= now, cls.due_at < now + DUE_SOON)

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
