"""A registration form's save confirms itself on the visit page it redirects to, through the
redirect's link (``?saved_form=<form id>``, webapp/inbox/registration_forms.py), not a flashed
message: the save does not sign the session cookie again; the confirmation shows in both
languages where flashed messages show (each answer of a double submit confirms the one form:
tests/test_form_save.py), only for a form of the page's case and only on a GET; the page
without the argument (a reload once app.js dropped it) shows none; a refused save still
flashes its reason."""
import re

from webapp.models import RegistrationForm

from .helpers import case_at_visit, open_task, registration_form_data

CONFIRMED = {"zh_Hans_CN": "已保存 {} 的登记表。", "en": "Saved the registration form of {}."}


def _messages(html):
    return re.findall(r'<div class="flash (\w+)" role="(\w+)">([^<]*)</div>', html)


def _visit_row():
    return open_task(case_at_visit(), "visit_household")


def _save(client, row, person, **overrides):
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    return client.post(page, registration_form_data(person, **overrides), token_from=page)


def _session_cookies(response):
    return [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]


def test_a_save_confirms_on_the_page_it_redirects_to_in_both_languages(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    for code, text in CONFIRMED.items():
        client.post(f"/language/{code}", {"next": "/inbox"}, token_from="/inbox")
        response = _save(client, row, person)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        form_id = RegistrationForm.query.filter_by(case_id=row.case_id).one().id
        assert response.location == f"/inbox/tasks/{row.id}?saved_form={form_id}"
        assert _session_cookies(response) == []  # nothing flashed: the session is not signed again
        page = client.get(response.location)
        assert _messages(page.get_data(as_text=True)) == [("success", "status", text.format(person.name))]
        assert _session_cookies(page) == []  # nor by the page showing the confirmation
        # The page again without the argument (a reload once app.js took it off): no confirmation.
        assert _messages(client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)) == []


def test_only_a_form_of_the_page_s_case_is_confirmed_and_only_on_a_get(county, client):
    row, other = _visit_row(), _visit_row()
    assert row.case_id != other.case_id
    client.login("village1")
    other_person = other.case.household.persons[0]
    assert _save(client, other, other_person).status_code == 302
    other_form = RegistrationForm.query.filter_by(case_id=other.case_id).one().id
    page = f"/inbox/tasks/{row.id}"
    for argument in (other_form, "x", ""):  # another case's form (its name is not told), no number
        html = client.get(f"{page}?saved_form={argument}").get_data(as_text=True)
        assert _messages(html) == [] and other_person.name not in html
    person = row.case.household.persons[0]
    assert _save(client, row, person).status_code == 302
    form_id = RegistrationForm.query.filter_by(case_id=row.case_id).one().id
    # The visit form posted from the page still carrying the argument (no script ran), invalid:
    # the page shows its errors, not the confirmation again.
    response = client.post(f"{page}?saved_form={form_id}", {"visit_result": "", "visit_date": ""}, token_from=page)
    assert response.status_code == 200 and _messages(response.get_data(as_text=True)) == []


def test_a_refused_save_still_flashes_its_reason(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    # A person of another household: the save is refused and the form shown again with the reason.
    stranger = _visit_row().case.household.persons[0]
    response = client.post(f"/inbox/tasks/{row.id}/forms/new", registration_form_data(
        person, name=stranger.name, id_number=stranger.id_number), token_from=f"/inbox/tasks/{row.id}")
    assert response.status_code == 200
    assert _messages(response.get_data(as_text=True)) == [
        ("error", "alert", "该公民身份号码已登记在其他户，请核实后通过变更办理。")]
    assert RegistrationForm.query.filter_by(case_id=row.case_id).count() == 0


def test_a_person_added_during_the_visit_is_confirmed_and_so_is_the_correction(county, client):
    row = _visit_row()
    client.login("village1")
    added = registration_form_data(row.case.household.persons[0], name="新增成员", id_number="110101199003074514",
                                   relation_to_head="子")
    response = client.post(f"/inbox/tasks/{row.id}/forms/new", added, token_from=f"/inbox/tasks/{row.id}")
    form_id = RegistrationForm.query.filter_by(case_id=row.case_id, person_id=None).one().id
    assert response.location == f"/inbox/tasks/{row.id}?saved_form={form_id}"
    response = client.post(f"/inbox/tasks/{row.id}/forms/added/{form_id}", dict(added, name="新增成员甲"),
                           token_from=f"/inbox/tasks/{row.id}")
    assert response.location == f"/inbox/tasks/{row.id}?saved_form={form_id}"
    assert _messages(client.get(response.location).get_data(as_text=True)) == [
        ("success", "status", CONFIRMED["zh_Hans_CN"].format("新增成员甲"))]
