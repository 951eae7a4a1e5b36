"""Visit form defects of issue 13: sex and birth date follow the ID number, 签字确认 is an explicit
choice, a person added during the visit can be corrected and is listed with the household, and an
outcome says "uninsured but willing to enrol"."""
import re
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import RegistrationForm

from .helpers import case_at_visit, open_task, registration_form_data


def _visit_row():
    return open_task(case_at_visit(), "visit_household")


def _selected(html, select_id):
    block = re.search(rf'<select[^>]*id="{select_id}".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', block)
    return None if chosen is None else (chosen.group(1) or chosen.group(2) or "")


def test_sex_and_birth_date_come_from_the_id_number(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    html = client.get(f"/inbox/tasks/{row.id}/forms/{person.id}").get_data(as_text=True)
    expected = "M" if int(person.id_number[16]) % 2 else "F"
    assert _selected(html, "sex") == expected
    birth = person.id_number[6:10] + "-" + person.id_number[10:12] + "-" + person.id_number[12:14]
    assert re.search(rf'id="birth_date"[^>]*value="{birth}"|value="{birth}"[^>]*id="birth_date"', html)


def test_a_new_person_gets_the_sex_of_the_id_and_a_conflict_is_refused_until_confirmed(county, client):
    row = _visit_row()
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/new"
    woman = make_id("341721", date(1992, 3, 4), 124)  # even sequence: female
    base = registration_form_data(row.case.household.persons[0], id_number=woman, name="新增女")

    response = client.post(page, dict(base, sex="M"), token_from=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "性别与公民身份号码不一致" in html and "号码显示为女" in html
    assert RegistrationForm.query.count() == 0
    assert 'id="sex-warning"' in html and 'id="sex-warning" role="alert"' in html

    response = client.post(page, dict(base, sex=""), token_from=page)
    assert response.status_code == 302
    stored = RegistrationForm.query.one()
    assert stored.data["sex"] == "F" and stored.data["birth_date"] == "1992-03-04"


def test_a_confirmed_sex_conflict_is_saved(county, client):
    row = _visit_row()
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/new"
    woman = make_id("341721", date(1992, 3, 4), 124)
    data = registration_form_data(row.case.household.persons[0], id_number=woman, name="新增", sex="M",
                                  sex_confirmed="y")
    assert client.post(page, data, token_from=page).status_code == 302
    assert RegistrationForm.query.one().data["sex"] == "M"


def test_signature_is_an_explicit_choice(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    assert _selected(client.get(page).get_data(as_text=True), "signature") in (None, "")
    response = client.post(page, registration_form_data(person, signature=""), token_from=page)
    assert response.status_code == 200 and "请选择签字确认情况" in response.get_data(as_text=True)
    assert RegistrationForm.query.count() == 0
    assert client.post(page, registration_form_data(person, signature="refused"), token_from=page).status_code == 302
    assert RegistrationForm.query.one().data["signature"] == "refused"


def test_an_added_person_is_listed_with_the_household_and_can_be_corrected(county, client):
    row = _visit_row()
    case = row.case
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/new"
    newcomer = make_id("341721", date(2015, 6, 1), 131)
    data = registration_form_data(case.household.persons[0], id_number=newcomer, name="新增孩子",
                                  relation_to_head="子")
    assert client.post(page, data, token_from=page).status_code == 302
    added = RegistrationForm.query.filter_by(id_number=newcomer).one()

    for url in (f"/inbox/tasks/{row.id}", f"/cases/{case.id}"):
        html = client.get(url).get_data(as_text=True)
        table = re.search(r'id="household-table".*?</table>', html, re.S).group(0)
        assert "新增孩子" in table and "新增" in table and "2015-06-01" in table
    visit = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    edit = f"/inbox/tasks/{row.id}/forms/added/{added.id}"
    assert edit in visit

    form_page = client.get(edit).get_data(as_text=True)
    assert 'value="新增孩子"' in form_page
    corrected = make_id("341721", date(2015, 6, 2), 131)
    response = client.post(edit, dict(data, name="新增孩子改", id_number=corrected), token_from=edit)
    assert response.status_code == 302
    db.session.expire_all()
    forms = RegistrationForm.query.filter_by(case_id=case.id, person_id=None).all()
    assert [(f.name, f.id_number) for f in forms] == [("新增孩子改", corrected)]


def test_an_added_form_of_another_case_is_not_found(county, client):
    row = _visit_row()
    client.login("village1")
    assert client.get(f"/inbox/tasks/{row.id}/forms/added/99999").status_code == 404


def test_willing_to_enrol_is_an_outcome_in_both_languages(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    assert "未参保，愿意参保" in client.get(page).get_data(as_text=True)
    assert client.post(page, registration_form_data(person, outcome_code="willing"), token_from=page).status_code == 302
    assert RegistrationForm.query.one().data["outcome_code"] == "willing"
    client.post("/language/en", {"next": page}, token_from=page)
    assert "Uninsured, willing to enrol" in client.get(page).get_data(as_text=True)
