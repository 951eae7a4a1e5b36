"""Runs that move running cases to a newer diagram version, and their per-instance outcomes."""
from ..extensions import db
from .base import utcnow


class MigrationRun(db.Model):
    """One administrator's request to move instances from one version to another."""

    __tablename__ = "migration_run"
    id = db.Column(db.Integer, primary_key=True)
    process_id = db.Column(db.String(64), nullable=False)
    from_version_id = db.Column(db.Integer, db.ForeignKey("diagram_version.id"), nullable=False)
    to_version_id = db.Column(db.Integer, db.ForeignKey("diagram_version.id"), nullable=False)
    from_version = db.relationship("DiagramVersion", foreign_keys=[from_version_id])
    to_version = db.relationship("DiagramVersion", foreign_keys=[to_version_id])
    follow_new_deadlines = db.Column(db.Boolean, nullable=False, default=False)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    requested_by = db.relationship("User")
    status = db.Column(db.String(16), nullable=False, default="queued")  # queued / running / finished
    total = db.Column(db.Integer, nullable=False, default=0)
    migrated = db.Column(db.Integer, nullable=False, default=0)
    incompatible = db.Column(db.Integer, nullable=False, default=0)
    skipped = db.Column(db.Integer, nullable=False, default=0)  # already moved, finished, or failed
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)

    @property
    def done(self):
        """How many instances have an outcome."""
        return self.migrated + self.incompatible + self.skipped


class MigrationItem(db.Model):
    """One instance of a run; ``outcome`` is set once, in the transaction that moved it."""

    __tablename__ = "migration_item"
    __table_args__ = (db.UniqueConstraint("run_id", "instance_id", name="uq_migration_item_run_instance"),
                      db.Index("ix_migration_item_run_outcome", "run_id", "outcome", "id"))
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("migration_run.id"), nullable=False)
    instance_id = db.Column(db.Integer, db.ForeignKey("process_instance.id"), nullable=False)
    outcome = db.Column(db.String(16))  # migrated / incompatible / already / not_running / failed
    detail = db.Column(db.Text)
