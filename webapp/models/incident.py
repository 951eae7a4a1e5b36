"""Incidents: a case whose engine step failed, kept visible and retryable (DESIGN invariant 13)."""
from ..extensions import db
from .base import utcnow


class Incident(db.Model):
    """One failure of a process instance's engine step; at most one is open per instance.

    ``error_code`` and ``error_params`` render the message in the reader's language
    (engine/errors.py); ``detail`` is the technical kind of failure (an exception class name),
    never a value the diagram computed. Area codes are copied from the case for scoping.
    """

    __tablename__ = "incident"
    __table_args__ = (
        db.Index("ix_incident_open_county", "status", "county_code", "id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    case = db.relationship("Case")
    instance_id = db.Column(db.Integer, db.ForeignKey("process_instance.id"), nullable=False, index=True)
    instance = db.relationship("ProcessInstance")
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)
    step = db.Column(db.String(16), nullable=False)  # start / complete / timers / retry
    element = db.Column(db.String(128))  # the diagram element that failed, when known
    error_code = db.Column(db.String(32), nullable=False)
    error_params = db.Column(db.JSON)
    detail = db.Column(db.String(128))
    status = db.Column(db.String(16), nullable=False, default="open")  # open / resolved
    attempts = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    resolved_at = db.Column(db.DateTime)
    resolved_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    resolved_by = db.relationship("User")
