"""Spot checks of audited forms (核查工作质量) and the campaign's summaries (总结评估)."""
from ..extensions import db
from .base import utcnow


class SpotCheckDraw(db.Model):
    """One random sample of a county's audited forms: its seed, share and population, as drawn."""

    __tablename__ = "spot_check_draw"
    id = db.Column(db.Integer, primary_key=True)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    seed = db.Column(db.String(32), nullable=False)
    share_percent = db.Column(db.Integer, nullable=False)  # the share of each stratum sampled (1-100)
    verifier = db.Column(db.String(16), nullable=False)  # the lane that re-verifies: township / county
    population = db.Column(db.Integer, nullable=False)  # audited forms not sampled before, when drawn
    sample_size = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))


class SpotCheckItem(db.Model):
    """One sampled form and what its re-verification found (pending until recorded)."""

    __tablename__ = "spot_check_item"
    __table_args__ = (db.UniqueConstraint("form_id", name="uq_spot_check_item_form"),)
    id = db.Column(db.Integer, primary_key=True)
    draw_id = db.Column(db.Integer, db.ForeignKey("spot_check_draw.id"), nullable=False, index=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)  # the spot_check case
    form_id = db.Column(db.Integer, db.ForeignKey("registration_form.id"), nullable=False)
    form = db.relationship("RegistrationForm")
    visitor_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), index=True)
    visitor = db.relationship("User", foreign_keys=[visitor_id])
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12))
    result = db.Column(db.String(16), nullable=False, default="pending")  # pending/confirmed/wrong_field/fabricated
    wrong_fields = db.Column(db.JSON)
    note = db.Column(db.Text)
    checked_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    checked_at = db.Column(db.DateTime)
    checked_day = db.Column(db.Date, index=True)  # the campaign day: error rates as of a date count up to it


class CampaignSummary(db.Model):
    """A township's summary (kind ``township``) or the county's evaluation (kind ``county``).

    ``figures`` are frozen at submission: the dashboard's figures as of ``as_of``.
    """

    __tablename__ = "campaign_summary"
    __table_args__ = (db.UniqueConstraint("county_code", "township_code", "kind", name="uq_campaign_summary_area"),)
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(16), nullable=False)  # township / county
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), nullable=False, default="")  # "" for the county's evaluation
    status = db.Column(db.String(16), nullable=False, default="open")  # open/submitted/returned/approved/written
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    as_of = db.Column(db.Date)
    figures = db.Column(db.JSON)
    practices = db.Column(db.Text)  # 主要做法
    problems = db.Column(db.Text)  # 存在问题
    mechanism = db.Column(db.Text)  # 长效机制
    return_reason = db.Column(db.Text)
    submitted_at = db.Column(db.DateTime)
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    submitted_by = db.relationship("User", foreign_keys=[submitted_by_id])
    reviewed_at = db.Column(db.DateTime)
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
