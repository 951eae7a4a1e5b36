"""A case's registration forms read as rows give what the ORM objects held."""
from webapp.models import Person, RegistrationForm
from webapp.services.casework import tasks

from .helpers import case_at_visit, registration_form_data, task_ids_on

_FORM_FIELDS = ("id", "id_number", "person_id", "name", "data")


def test_a_cases_forms_as_rows_are_what_the_objects_held(county, client, app):
    # Bulk review warnings and the offline package read the forms as rows now, no longer as objects.
    case = case_at_visit("village1")
    case_id = case.id
    members = Person.query.filter_by(household_id=case.household_id).order_by(Person.id).all()
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    page = f"/inbox/tasks/{task_id}"
    for person in members[:2]:
        assert client.post(f"{page}/forms/{person.id}", registration_form_data(person),
                           token_from=page).status_code == 302
    with app.app_context():
        objects = {f.id_number: tuple(getattr(f, name) for name in _FORM_FIELDS)
                   for f in RegistrationForm.query.filter_by(case_id=case_id)}
        rows = {key: tuple(getattr(r, name) for name in _FORM_FIELDS) for key, r in tasks.filled_forms(case_id).items()}
        assert len(rows) == 2 and rows == objects

