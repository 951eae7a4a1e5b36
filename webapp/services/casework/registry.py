"""Writes to the registration database. Every change leaves a history row; nothing is silent."""
from ...extensions import db
from ...models import Person, RegistrationForm, RegistrationHistory, RegistrationRecord
from ...models.base import utcnow
from ...idnumber import birth_date, sex
from ..campaign import progress

# Outcome codes that mean the person is insured (see BRIEF.md).
INSURED_OUTCOMES = {"200", "201", "202", "011"}
PERSON_FIELDS = ("name", "ethnicity", "phone", "hukou_address", "current_address",
                 "relation_to_head", "status")


def _snapshot(record):
    if record is None:
        return None
    return {"data": record.data, "insured": record.insured, "outcome_code": record.outcome_code,
            "source": record.source}


def write_record(person, data, actor, reason, source, case=None, comparison_run_id=None):
    """Create or change ``person``'s registration record and log the change with its cause."""
    record = person.record
    before = _snapshot(record)
    if record is None:
        record = RegistrationRecord(person=person, data={}, source=source)
        db.session.add(record)
    outcome = data.get("outcome_code") or None
    record.data = dict(data)
    record.outcome_code = outcome
    record.insured = bool(data.get("insured")) or outcome in INSURED_OUTCOMES
    record.source = source
    record.updated_at = utcnow()
    record.updated_by_id = getattr(actor, "id", None)
    db.session.add(RegistrationHistory(person=person, changed_by_id=getattr(actor, "id", None),
                                       reason=reason, case_id=getattr(case, "id", None),
                                       comparison_run_id=comparison_run_id, before=before,
                                       after=_snapshot(record), changed_at=utcnow()))
    return record


def person_for_form(form, household):
    """The person a registration form is about, created in the household when new (户不漏人)."""
    person = Person.query.filter_by(id_number=form.id_number).one_or_none()
    if person is None:
        person = Person(id_number=form.id_number, name=form.name, sex=sex(form.id_number),
                        birth_date=birth_date(form.id_number), household=household,
                        county_code=household.county_code, township_code=household.township_code,
                        village_code=household.village_code)
        db.session.add(person)
    for field in PERSON_FIELDS:
        value = form.data.get(field)
        if value:
            setattr(person, field, value)
    return person


def apply_audited_forms(case, actor):
    """Enter every registration form of an audited case into the registry."""
    forms = RegistrationForm.query.filter_by(case_id=case.id).order_by(RegistrationForm.id).all()
    for form in forms:
        person = person_for_form(form, case.household)
        db.session.flush()
        write_record(person, form.data, actor, reason="入户调查经县级审核通过", source="survey", case=case)

    progress.registered(case, forms)
    return len(forms)
