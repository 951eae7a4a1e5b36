"""Audit events: who saw or changed personal data, and other security-relevant acts."""
from ..extensions import db
from .base import utcnow


class AuditEvent(db.Model):
    """One audited act. Rows are only ever inserted."""

    __tablename__ = "audit_event"
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), index=True)
    user = db.relationship("User")
    action = db.Column(db.String(32), nullable=False, index=True)
    object_type = db.Column(db.String(32))
    object_id = db.Column(db.String(64))
    detail = db.Column(db.Text)
    remote_addr = db.Column(db.String(64))
