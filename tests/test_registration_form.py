"""The registration form: ID numbers checked by GB 11643 with a clear message; nothing partial saved."""
from webapp.models import RegistrationForm

from .helpers import case_at_visit, open_task, registration_form_data


def _visit_row():
    return open_task(case_at_visit(), "visit_household")


def test_bad_check_digit_is_rejected_with_a_clear_message(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    bad = person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/new"
    response = client.post(page, registration_form_data(person, id_number=bad, name="新成员"), token_from=page)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "公民身份号码有误" in text and "校验" in text
    assert RegistrationForm.query.count() == 0


def test_id_is_stored_in_canonical_form(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    typed = " ".join(person.id_number[i:i + 6] for i in range(0, 18, 6)).lower()
    response = client.post(page, registration_form_data(person, id_number=typed), token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    stored = RegistrationForm.query.one()
    assert stored.id_number == person.id_number and stored.data["outcome_code"] == "unwilling"


def test_uninsured_person_needs_a_reason(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    data = registration_form_data(person, medical_scheme="", medical_where="", uninsured_reason="")
    response = client.post(page, data, token_from=page)
    assert response.status_code == 200 and "必须选择未参保原因" in response.get_data(as_text=True)
    assert RegistrationForm.query.count() == 0


def test_a_person_not_on_the_list_can_be_added(county, client):
    from webapp.idnumber import make_id
    from datetime import date

    row = _visit_row()
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/new"
    newcomer = make_id("341721", date(1990, 5, 17), 123)
    data = registration_form_data(row.case.household.persons[0], id_number=newcomer, name="新增成员")
    response = client.post(page, data, token_from=page)
    assert response.status_code == 302
    assert RegistrationForm.query.filter_by(id_number=newcomer).one().person_id is None
