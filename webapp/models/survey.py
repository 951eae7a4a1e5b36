"""Periodic village surveys (定期调查): a schedule per village, each survey and its households."""
from ..extensions import db
from .base import utcnow


class SurveySchedule(db.Model):
    """How often a village is surveyed and when the next survey opens."""

    __tablename__ = "survey_schedule"
    id = db.Column(db.Integer, primary_key=True)
    village_code = db.Column(db.String(12), nullable=False, unique=True)
    every_days = db.Column(db.Integer, nullable=False, default=90)
    next_due = db.Column(db.Date, nullable=False, index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)


class VillageSurvey(db.Model):
    """One survey of one village for one due date (unique: the opening job may run twice)."""

    __tablename__ = "village_survey"
    __table_args__ = (db.UniqueConstraint("village_code", "due_date", name="uq_village_survey_village_due"),)
    id = db.Column(db.Integer, primary_key=True)
    village_code = db.Column(db.String(12), nullable=False)
    due_date = db.Column(db.Date, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open / completed
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    completed_at = db.Column(db.DateTime)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)


class SurveyHousehold(db.Model):
    """A household on a survey: pending, confirmed unchanged, or changes raised."""

    __tablename__ = "survey_household"
    __table_args__ = (db.UniqueConstraint("survey_id", "household_id", name="uq_survey_household_survey_household"),)
    id = db.Column(db.Integer, primary_key=True)
    survey_id = db.Column(db.Integer, db.ForeignKey("village_survey.id"), nullable=False, index=True)
    household_id = db.Column(db.Integer, db.ForeignKey("household.id"), nullable=False)
    household = db.relationship("Household")
    outcome = db.Column(db.String(16), nullable=False, default="pending")  # pending / confirmed / changes_raised
    done_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    done_at = db.Column(db.DateTime)
