"""Employer inspection (用工检查): the inspections, their documents, and what the county keeps per employer.

An employer is named across comparison runs by its key (``intake.employers.org_key``: the
unified social credit code, else source and normalised name), the same key the runs compare by.
"""
from ..extensions import db
from .base import utcnow


class EmployerInspection(db.Model):
    """One inspection of one employer: notice, rectification deadline, re-check, outcome."""

    __tablename__ = "employer_inspection"
    id = db.Column(db.Integer, primary_key=True)
    employer_key = db.Column(db.String(300), nullable=False, index=True)
    credit_code = db.Column(db.String(18))
    name = db.Column(db.String(256))
    source = db.Column(db.String(32), nullable=False)
    reason = db.Column(db.String(16), nullable=False)  # uninsured / new / cancelled / annual / other
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)  # the run it came from
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open / closed
    notice_number = db.Column(db.String(40))
    notice_date = db.Column(db.Date)
    rectify_by = db.Column(db.Date)  # the rectification deadline written on the notice
    notice_text = db.Column(db.Text)
    outcome = db.Column(db.String(16))  # rectified / penalised / closed / not_liable
    outcome_note = db.Column(db.Text)
    recheck_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"))
    recheck_insured = db.Column(db.Integer)  # people enrolled there in the re-check run
    opened_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    closed_at = db.Column(db.DateTime)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12))


class InspectionDocument(db.Model):
    """A document attached to an inspection (a signed notice, a penalty decision, a photo)."""

    __tablename__ = "inspection_document"
    id = db.Column(db.Integer, primary_key=True)
    inspection_id = db.Column(db.Integer, db.ForeignKey("employer_inspection.id"), nullable=False, index=True)
    file_name = db.Column(db.String(128), nullable=False)
    storage_key = db.Column(db.String(128), nullable=False, unique=True)
    content_type = db.Column(db.String(64), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    uploaded_by = db.relationship("User")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))


class EmployerProfile(db.Model):
    """What the county keeps on one employer beyond the runs: the tax bureau's concern (joint tax
    and social insurance registration, 税务关注) with its date, and the last annual check (年审)."""

    __tablename__ = "employer_profile"
    __table_args__ = (db.UniqueConstraint("county_code", "employer_key", name="uq_employer_profile_county_key"),)
    id = db.Column(db.Integer, primary_key=True)
    employer_key = db.Column(db.String(300), nullable=False)
    name = db.Column(db.String(256))
    tax_flag = db.Column(db.Boolean, nullable=False, default=False)
    tax_flag_date = db.Column(db.Date)
    tax_flag_note = db.Column(db.String(500))
    tax_flag_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    annual_checked_on = db.Column(db.Date)
    annual_checked_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))
