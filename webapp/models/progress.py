"""Kept aggregates of the campaign's progress (invariant 16): read by the dashboard and bulletins.

Three tables, all written in the same transaction as the work they count (services.campaign.progress):

* ``progress_daily``: per township, day and measure, the day's change (a delta). A figure as of a
  date is the sum of its township's rows up to that date: bulletins are reproducible from it.
* ``progress_total``: per village and measure, the running sum. "Now" is one small read.
* ``coverage_snapshot``: per comparison run and village, the target population and how many of
  them have pension and medical insurance, written when the run finishes; the registrations that
  close a gap afterwards add to its ``*_gain`` columns.

Area codes are '' (never NULL) where a case has no township or village yet, so the unique
keys the upserts rely on hold on both databases.
"""
from ..extensions import db
from .base import utcnow


class ProgressDaily(db.Model):
    """The change of one measure in one township on one (local) day."""

    __tablename__ = "progress_daily"
    __table_args__ = (db.UniqueConstraint("county_code", "township_code", "day", "measure",
                                          name="uq_progress_daily_key"),
                      db.Index("ix_progress_daily_county_day", "county_code", "day"))
    id = db.Column(db.Integer, primary_key=True)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    day = db.Column(db.Date, nullable=False)
    measure = db.Column(db.String(24), nullable=False)
    value = db.Column(db.Integer, nullable=False, default=0)


class ProgressTotal(db.Model):
    """The running total of one measure in one village (or a township's unplaced cases: village '')."""

    __tablename__ = "progress_total"
    __table_args__ = (db.UniqueConstraint("county_code", "township_code", "village_code", "measure",
                                          name="uq_progress_total_key"),)
    id = db.Column(db.Integer, primary_key=True)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    village_code = db.Column(db.String(12), nullable=False, default="")
    measure = db.Column(db.String(24), nullable=False)
    value = db.Column(db.Integer, nullable=False, default=0)


class CoverageSnapshot(db.Model):
    """Coverage of the target population of one village as one comparison run found it."""

    __tablename__ = "coverage_snapshot"
    __table_args__ = (db.UniqueConstraint("run_id", "township_code", "village_code",
                                          name="uq_coverage_snapshot_key"),)
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    village_code = db.Column(db.String(12), nullable=False, default="")
    targets = db.Column(db.Integer, nullable=False, default=0)
    pension_required = db.Column(db.Integer, nullable=False, default=0)
    pension_covered = db.Column(db.Integer, nullable=False, default=0)
    medical_covered = db.Column(db.Integer, nullable=False, default=0)
    # Gaps closed by audited registrations after the run (services.campaign.progress.registered).
    pension_gain = db.Column(db.Integer, nullable=False, default=0)
    medical_gain = db.Column(db.Integer, nullable=False, default=0)


class LeadingGroupMember(db.Model):
    """A leader of a township's campaign leading group (the notice's annex), named in bulletins."""

    __tablename__ = "leading_group_member"
    id = db.Column(db.Integer, primary_key=True)
    township_code = db.Column(db.String(12), nullable=False, index=True)
    name = db.Column(db.String(64), nullable=False)
    post = db.Column(db.String(64), nullable=False, default="")  # e.g. 乡镇长 / 分管领导
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Bulletin(db.Model):
    """A numbered progress bulletin (定期通报) as of a date; its figures are stored as computed."""

    __tablename__ = "bulletin"
    __table_args__ = (db.UniqueConstraint("county_code", "number", name="uq_bulletin_number"),)
    id = db.Column(db.Integer, primary_key=True)
    county_code = db.Column(db.String(6), nullable=False)
    number = db.Column(db.Integer, nullable=False)
    as_of = db.Column(db.Date, nullable=False)
    figures = db.Column(db.JSON, nullable=False)
    commentary = db.Column(db.JSON, nullable=False)
    trigger = db.Column(db.String(16), nullable=False)  # scheduled / on_demand
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    # The documents as produced (bytes in the file store, webapp/infra/storage.py), with their digests:
    # a download serves these very bytes, never a re-rendering.
    pdf_key = db.Column(db.String(80))
    pdf_sha256 = db.Column(db.String(64))
    xlsx_key = db.Column(db.String(80))
    xlsx_sha256 = db.Column(db.String(64))
