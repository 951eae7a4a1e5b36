"""Expansion (参保扩面): grouping rules, target lists from comparison runs, drives, contacts.

A target is one uninsured person of one comparison run, with the attributes the grouping rules
read (kept on the row, so editing the rules regroups without reading the department files
again). Conversion is measured, never declared: ``converted_run_id`` is set when a later run
shows an enrollment for the person (services/expansion/conversion.py).
"""
from ..extensions import db
from .base import utcnow


class ExpansionRule(db.Model):
    """One ordered grouping rule: when every condition holds, the target belongs to ``group_code``."""

    __tablename__ = "expansion_rule"
    id = db.Column(db.Integer, primary_key=True)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False)
    group_code = db.Column(db.String(24), nullable=False)
    # [{"attr": name, "op": operator, "value": ...}]: simple conditions on named attributes only.
    conditions = db.Column(db.JSON, nullable=False, default=list)
    note = db.Column(db.String(200))
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ExpansionTarget(db.Model):
    """One uninsured person of a run's target list, grouped, contacted, perhaps converted."""

    __tablename__ = "expansion_target"
    __table_args__ = (
        db.UniqueConstraint("run_id", "id_number", name="uq_expansion_target_run_person"),
        # Rebuilding a list's tally (ExpansionTally) counts its targets by these keys in one pass.
        db.Index("ix_expansion_target_report", "run_id", "township_code", "village_code", "group_code", "drive_id",
                 "staff_id", "converted_run_id"),
        db.Index("ix_expansion_target_drive", "drive_id", "converted_run_id"),
    )
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)
    id_number = db.Column(db.String(18), nullable=False)
    name = db.Column(db.String(64))
    household_no = db.Column(db.String(32))
    sex = db.Column(db.String(1))
    age = db.Column(db.Integer)
    hukou_type = db.Column(db.String(16))  # agricultural / non_agricultural / None (unknown)
    occupation = db.Column(db.String(32))
    registered = db.Column(db.Boolean, nullable=False, default=True)  # False: non-registered resident
    works_away = db.Column(db.Boolean, nullable=False, default=False)  # lives outside the county
    former_employer = db.Column(db.Boolean, nullable=False, default=False)  # a terminated employee enrollment
    missing = db.Column(db.String(32), nullable=False, default="")
    schemes = db.Column(db.Integer, nullable=False, default=0)  # what the run found enrolled (bit mask)
    area_kind = db.Column(db.String(16))  # town / countryside, from the village's kind
    group_code = db.Column(db.String(24), nullable=False, default="other")
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))
    drive_id = db.Column(db.Integer, db.ForeignKey("expansion_drive.id"))
    assignment_id = db.Column(db.Integer, db.ForeignKey("expansion_assignment.id"), index=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), index=True)  # who last contacted
    outcome = db.Column(db.String(24))  # the last contact's outcome
    follow_up_on = db.Column(db.Date, index=True)
    contacted_at = db.Column(db.DateTime)
    converted_run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"))
    converted_on = db.Column(db.Date)  # the as-of date of the run that showed the enrollment


class ExpansionDrive(db.Model):
    """An expansion drive the county opened for chosen groups and areas of one target list."""

    __tablename__ = "expansion_drive"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False, index=True)
    groups = db.Column(db.JSON, nullable=False, default=list)
    areas = db.Column(db.JSON, nullable=False, default=list)  # township or village codes
    contact_role = db.Column(db.String(16), nullable=False, default="village")  # village / township
    status = db.Column(db.String(16), nullable=False, default="open")  # open / closed
    targets = db.Column(db.Integer, nullable=False, default=0)
    opened_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    opened_by = db.relationship("User")
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    county_code = db.Column(db.String(6), nullable=False, index=True)


class ExpansionAssignment(db.Model):
    """One round of a drive in one village: a contact task (case) for its staff."""

    __tablename__ = "expansion_assignment"
    __table_args__ = (db.UniqueConstraint("drive_id", "village_code", "round",
                                          name="uq_expansion_assignment_drive_village_round"),)
    id = db.Column(db.Integer, primary_key=True)
    drive_id = db.Column(db.Integer, db.ForeignKey("expansion_drive.id"), nullable=False, index=True)
    drive = db.relationship("ExpansionDrive")
    village_code = db.Column(db.String(12), nullable=False)
    round = db.Column(db.Integer, nullable=False, default=1)
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open / completed
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    opened_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    completed_at = db.Column(db.DateTime)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), index=True)


class ExpansionContact(db.Model):
    """One recorded contact with a target (who, outcome, reason, the follow-up it scheduled)."""

    __tablename__ = "expansion_contact"
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(64), unique=True)  # the form's idempotency key: a double submit is one contact
    target_id = db.Column(db.Integer, db.ForeignKey("expansion_target.id"), nullable=False, index=True)
    drive_id = db.Column(db.Integer, db.ForeignKey("expansion_drive.id"), nullable=False, index=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("expansion_assignment.id"), index=True)
    staff_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    staff = db.relationship("User")
    outcome = db.Column(db.String(24), nullable=False)
    reason = db.Column(db.String(256))
    follow_up_on = db.Column(db.Date)
    recorded_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ExpansionTally(db.Model):
    """The conversion report's maintained counts: a list's targets per area, group, drive, staff member
    and converting run (0 / '' where none). Rebuilt from the targets when many change at once (a list
    built, regrouped, a drive opened, a run's conversions), moved by one when a contact names a new
    staff member; the report reads these few thousand rows, never the targets."""

    __tablename__ = "expansion_tally"
    __table_args__ = (db.UniqueConstraint("run_id", "township_code", "village_code", "group_code", "drive_id",
                                          "staff_id", "converted_run_id", name="uq_expansion_tally_key"),)
    id = db.Column(db.Integer, primary_key=True)
    run_id = db.Column(db.Integer, db.ForeignKey("comparison_run.id"), nullable=False)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12), nullable=False, default="")
    village_code = db.Column(db.String(12), nullable=False, default="")
    group_code = db.Column(db.String(24), nullable=False)
    drive_id = db.Column(db.Integer, nullable=False, default=0)
    staff_id = db.Column(db.Integer, nullable=False, default=0)
    converted_run_id = db.Column(db.Integer, nullable=False, default=0)
    targets = db.Column(db.Integer, nullable=False, default=0)
