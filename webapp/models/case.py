"""Cases, their timeline, and the registration forms filled during a visit."""
from ..extensions import db
from .base import utcnow


class Case(db.Model):
    """A piece of work about one subject (a household, a change, a problem record).

    The area codes are copied from the subject so that scoping is a plain indexed comparison.
    """

    __tablename__ = "case_file"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(24), nullable=False, index=True)  # registration / dynamic_change / problem
    title = db.Column(db.String(256), nullable=False)
    household_id = db.Column(db.Integer, db.ForeignKey("household.id"), index=True)
    household = db.relationship("Household")
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"), index=True)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)
    # The named visitor (责任人): an assignment override for village-lane tasks.
    visitor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), index=True)
    visitor = db.relationship("User", foreign_keys=[visitor_id])
    status = db.Column(db.String(16), nullable=False, default="open", index=True)
    current_step = db.Column(db.String(64))
    payload = db.Column(db.JSON)  # kind-specific details, e.g. a change request
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    closed_at = db.Column(db.DateTime)
    events = db.relationship("CaseEvent", order_by="CaseEvent.id", back_populates="case")


class CaseEvent(db.Model):
    """One line of a case's timeline: who did what, when, with which decision and comment."""

    __tablename__ = "case_event"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    case = db.relationship("Case", back_populates="events")
    at = db.Column(db.DateTime, nullable=False, default=utcnow)
    actor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    actor = db.relationship("User")
    kind = db.Column(db.String(32), nullable=False)
    task_name = db.Column(db.String(64))
    decision = db.Column(db.String(32))
    comment = db.Column(db.Text)


class RegistrationForm(db.Model):
    """A registration form (全民参保登记表) for one person, filled during a case's visit."""

    __tablename__ = "registration_form"
    __table_args__ = (db.UniqueConstraint("case_id", "id_number", name="uq_registration_form_case_person"),)
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"))
    id_number = db.Column(db.String(18), nullable=False)
    name = db.Column(db.String(64), nullable=False)
    data = db.Column(db.JSON, nullable=False, default=dict)
    filled_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
