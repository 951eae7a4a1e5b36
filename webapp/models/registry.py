"""The registration database (登记库): households, persons, their records and history."""
from ..extensions import db
from .base import utcnow


class Household(db.Model):
    """A household (户) of the household register, placed in a village when known."""

    __tablename__ = "household"
    id = db.Column(db.Integer, primary_key=True)
    household_number = db.Column(db.String(32), nullable=False, unique=True)
    head_name = db.Column(db.String(64))
    head_id_number = db.Column(db.String(18))
    address = db.Column(db.String(256))
    household_type = db.Column(db.String(16))  # agricultural / non_agricultural
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)
    persons = db.relationship("Person", back_populates="household", order_by="Person.id")


class Person(db.Model):
    """A person, keyed by the canonical 18-digit citizen ID number."""

    __tablename__ = "person"
    id = db.Column(db.Integer, primary_key=True)
    id_number = db.Column(db.String(18), nullable=False, unique=True)
    name = db.Column(db.String(64), nullable=False)
    sex = db.Column(db.String(1))
    ethnicity = db.Column(db.String(16))
    birth_date = db.Column(db.Date)
    household_id = db.Column(db.Integer, db.ForeignKey("household.id"), index=True)
    household = db.relationship("Household", back_populates="persons")
    relation_to_head = db.Column(db.String(16))
    phone = db.Column(db.String(32))
    hukou_address = db.Column(db.String(256))
    current_address = db.Column(db.String(256))
    # normal / moved_away / deceased / serving_sentence / military / abroad / student
    status = db.Column(db.String(24), nullable=False, default="normal")
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), index=True)
    village_code = db.Column(db.String(12), index=True)
    record = db.relationship("RegistrationRecord", uselist=False, back_populates="person")


class RegistrationRecord(db.Model):
    """The current audited registration of one person; every change writes a history row."""

    __tablename__ = "registration_record"
    id = db.Column(db.Integer, primary_key=True)
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"), nullable=False, unique=True)
    person = db.relationship("Person", back_populates="record")
    # The registration form's insurance and employment content, as validated by the form.
    data = db.Column(db.JSON, nullable=False, default=dict)
    insured = db.Column(db.Boolean, nullable=False, default=False, index=True)
    outcome_code = db.Column(db.String(16), index=True)
    source = db.Column(db.String(16), nullable=False)  # survey / comparison / change
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))


class RegistrationHistory(db.Model):
    """One change to a registration record: who, when, why, and what caused it."""

    __tablename__ = "registration_history"
    id = db.Column(db.Integer, primary_key=True)
    person_id = db.Column(db.Integer, db.ForeignKey("person.id"), nullable=False, index=True)
    person = db.relationship("Person")
    changed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    changed_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    changed_by = db.relationship("User")
    reason = db.Column(db.String(256), nullable=False)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), index=True)
    comparison_run_id = db.Column(db.Integer)
    change_request_id = db.Column(db.Integer, db.ForeignKey("change_request.id"), index=True)
    before = db.Column(db.JSON)
    after = db.Column(db.JSON, nullable=False)
