"""Walking demo registration cases through to the county audit, through the services (for spot checks)."""
from webapp.extensions import db
from webapp.models import Case, Person, RegistrationForm
from webapp.services.casework import cases, tasks

from .helpers import open_task, registration_form_data, user


def _do(case, task_name, actor, data):
    row = open_task(case, task_name)
    if row.assignee_id != actor.id:
        assert cases.claim(row, actor)
    cases.complete(row, actor, data)


def audit_cases(count=None):
    """Walk ``count`` (default all) demo cases at distribution to an approved county audit,
    alternating the visitors village1 / village2; returns the cases."""
    township, county = user("township"), user("county")
    done = []
    for case in Case.query.filter_by(kind="registration").order_by(Case.id).all():
        if count is not None and len(done) >= count:
            break
        row = open_task(case, "assign_household")
        if row is None:
            continue
        visitor = user("village1" if len(done) % 2 == 0 else "village2")
        assert cases.claim(row, township)
        tasks.assign_household(row, township, visitor.area.code, visitor.id)
        for person in Person.query.filter_by(household_id=case.household_id).order_by(Person.id):
            db.session.add(RegistrationForm(case_id=case.id, person_id=person.id, id_number=person.id_number,
                                            name=person.name, data=registration_form_data(person, phone="13800000000"),
                                            filled_by_id=visitor.id))
        _do(case, "visit_household", visitor, {"visit_result": "completed", "visit_date": "2026-06-10",
                                               "policy_explained": True, "visit_comment": ""})
        _do(case, "first_review", township, {"review_decision": "approve", "review_comment": ""})
        _do(case, "county_audit_review", county, {"audit_decision": "approve", "audit_comment": ""})
        db.session.commit()
        done.append(case)
    return done
