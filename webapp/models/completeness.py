"""Completeness of the campaign's work (村不漏户、户不漏人、人不漏项).

* ``completeness_exclusion``: a household or person explained away with a reason (户已迁出, 空挂户,
  重复户 ...), recorded by township or village staff; one per subject.
* ``village_completeness``: per village, the gap counts as last checked and the township's
  declaration that the village is complete (村级完成: who and when).
* ``enrolled_after_run``: a person a comparison run found uninsured whom a later run shows enrolled
  (pension or medical), once per person: the last stage of the dashboard's funnel.
"""
from ..extensions import db
from .base import utcnow


class CompletenessExclusion(db.Model):
    """A household (``person_id`` None) or a member not to be visited or registered, and why."""

    __tablename__ = "completeness_exclusion"
    id = db.Column(db.Integer, primary_key=True)
    # "h<household id>" or "p<person id>": one explanation per subject on both databases.
    subject = db.Column(db.String(24), nullable=False, unique=True)
    household_id = db.Column(db.Integer, db.ForeignKey("household.id"), nullable=False, index=True)
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"), index=True)
    reason = db.Column(db.String(24), nullable=False)
    note = db.Column(db.String(256), nullable=False, default="")
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    village_code = db.Column(db.String(12), nullable=False, default="", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_by = db.relationship("User")


class VillageCompleteness(db.Model):
    """One village's gap counts as last checked, and its declaration as complete."""

    __tablename__ = "village_completeness"
    id = db.Column(db.Integer, primary_key=True)
    village_code = db.Column(db.String(12), nullable=False, unique=True)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), nullable=False, index=True)
    household_gaps = db.Column(db.Integer, nullable=False, default=0)
    member_gaps = db.Column(db.Integer, nullable=False, default=0)
    field_gaps = db.Column(db.Integer, nullable=False, default=0)
    households = db.Column(db.Integer, nullable=False, default=0)
    checked_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    declared_at = db.Column(db.DateTime)
    declared_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    declared_by = db.relationship("User")


class EnrolledAfterRun(db.Model):
    """A person found uninsured by one comparison run and enrolled by a later one (counted once)."""

    __tablename__ = "enrolled_after_run"
    id = db.Column(db.Integer, primary_key=True)
    id_number = db.Column(db.String(18), nullable=False, unique=True)
    uninsured_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)
    enrolled_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    village_code = db.Column(db.String(12), nullable=False, default="")
