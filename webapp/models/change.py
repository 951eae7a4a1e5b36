"""Change requests (变更登记): one proposed change to one person's registration, with its evidence."""
from ..extensions import db
from .base import utcnow


class ChangeRequest(db.Model):
    """A change raised by staff or by a comparison run, reviewed, then applied or refused.

    ``field`` names what changes (a person column, a record field, ``household`` or ``person`` for a
    new person); ``seen_value`` is the value the requester saw, compared with the current one when
    the change applies, so a newer value is never overwritten silently. ``source_key`` identifies a
    comparison difference (field, person, new value): a run raised twice raises nothing new.
    """

    __tablename__ = "change_request"
    __table_args__ = (db.Index("ix_change_request_open_field", "id_number", "field", "status"),
                      db.UniqueConstraint("source_key", name="uq_change_request_source_key"))
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(24), nullable=False, index=True)  # see services.changes.KINDS
    field = db.Column(db.String(32), nullable=False)
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"), index=True)
    person = db.relationship("Person")
    id_number = db.Column(db.String(18), nullable=False)
    name = db.Column(db.String(64))
    seen_value = db.Column(db.JSON)
    new_value = db.Column(db.JSON)
    reason = db.Column(db.String(500), nullable=False)
    evidence = db.Column(db.String(500))
    origin = db.Column(db.String(16), nullable=False)  # agency / township / village / comparison
    reviewer_role = db.Column(db.String(16), nullable=False)  # township / county
    # open (raised, waiting for review) / applied / rejected / refused (stale at apply time)
    status = db.Column(db.String(16), nullable=False, default="open", index=True)
    outcome_note = db.Column(db.String(500))
    source_key = db.Column(db.String(120))
    comparison_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), index=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    case = db.relationship("Case")
    raised_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    raised_by = db.relationship("User", foreign_keys=[raised_by_id])
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    decided_at = db.Column(db.DateTime)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)
