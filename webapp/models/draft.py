"""Drafts of process diagrams being edited in the browser modeler."""
from ..extensions import db
from .base import utcnow


class ProcessDraft(db.Model):
    """One draft bundle per process: saved by the modeler, never run, deployed only when valid.

    Separate from DiagramVersion on purpose: nothing that starts, migrates or counts cases
    reads this table, so a draft cannot affect a running case.
    """

    __tablename__ = "process_draft"
    id = db.Column(db.Integer, primary_key=True)
    process_id = db.Column(db.String(64), nullable=False, unique=True)
    # {file name: BPMN XML}: the current version's bundle with the edited files replaced.
    files = db.Column(db.JSON, nullable=False)
    # None for a new process made from a template (services/admin/process_templates.py): no version yet.
    base_version_id = db.Column(db.Integer, db.ForeignKey("diagram_version.id"), nullable=True)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    updated_by = db.relationship("User")
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
