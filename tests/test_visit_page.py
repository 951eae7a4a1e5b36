"""The visit task page reads its household, members and forms as plain rows and remembers its
empty form's fields: what it shows must stay what the object path shows, in both languages."""
import re

from flask import render_template
from flask_babel import force_locale
from flask_login import login_user

from webapp.extensions import db
from webapp import fragments
from webapp.inbox.forms import VisitForm
from webapp.models import AuditEvent, InboxTask, Person, RegistrationForm
from webapp.models.base import utcnow
from webapp.services.casework import tasks

from .helpers import case_at_visit, registration_form_data, task_ids_on, user

LANGUAGES = ("zh_Hans_CN", "en")


def _flat(html):
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _section(html, start):
    """The <section> holding ``start`` (sections of these pages do not nest)."""
    begin = html.rindex("<section", 0, html.index(start))
    return html[begin:html.index("</section>", begin) + len("</section>")]


def _visit_with_forms(client):
    """A visit of village1 with one member's form saved and a person added during the visit."""
    case = case_at_visit("village1")
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    members = Person.query.filter_by(household_id=case.household_id).order_by(Person.id).all()
    assert len(members) >= 2
    page = f"/inbox/tasks/{task_id}"
    assert client.post(f"{page}/forms/{members[0].id}", registration_form_data(members[0]),
                       token_from=page).status_code == 302
    added = registration_form_data(members[0], name="新增成员", id_number="110101199003074514", relation_to_head="子")
    assert client.post(f"{page}/forms/new", added, token_from=page).status_code == 302
    return case, task_id, members


def _use_language(client, code):
    client.post(f"/language/{code}", token_from="/inbox")


def test_household_block_shows_what_the_object_path_shows_in_both_languages(county, client, app):
    case, task_id, members = _visit_with_forms(client)
    for code in LANGUAGES:
        _use_language(client, code)
        html = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
        # The block as the other pages render it, from the case's objects.
        with app.test_request_context(), force_locale(code):
            login_user(user("village1"))
            row = db.session.get(InboxTask, task_id)
            filled = {form.id_number: form for form in RegistrationForm.query.filter_by(case_id=row.case_id)}
            expected = render_template("inbox/_household.html", row=row, case=row.case, can_work=True,
                                       filled=filled, added_forms=tasks.added_persons(row.case))
        assert _flat(_section(html, 'id="household-table"')) == _flat(_section(expected, 'id="household-table"'))
        for person in members:  # ID numbers masked, never whole
            assert person.id_number not in html and person.id_number[:6] + "********" + person.id_number[-4:] in html
        assert "110101199003074514" not in html and "新增成员" in html
        assert ("Son" if code == "en" else ">子<") in html


def test_visit_fields_are_the_forms_fields_in_each_language(county, client, app):
    case_at_visit("village1")
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    for code in LANGUAGES + LANGUAGES:  # the second round is answered from what was remembered
        _use_language(client, code)
        html = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
        with app.test_request_context(), force_locale(code):
            form = VisitForm()
            form.visit_date.data = utcnow().date()
            fresh = fragments.form_fields("inbox/_visit_fields.html", form)
            token_input = str(form.csrf_token)
        assert _flat(fresh) in _flat(html)
        assert re.sub(r'value="[^"]*"', "", token_input) in html.replace(
            re.search(r'id="csrf_token"[^>]*(value="[^"]*")', html).group(1), "")
        assert ("Visit date" if code == "en" else "入户日期") in html


def test_a_refused_visit_shows_the_users_own_input_again(county, client):
    case_at_visit("village1")
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    page = f"/inbox/tasks/{task_id}"
    response = client.post(page, {"visit_result": "completed", "visit_date": "2026-06-01",
                                  "visit_comment": "第二次上门"}, token_from=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "尚未填写登记表" in html
    assert 'value="2026-06-01"' in html and "第二次上门" in html
    assert re.search(r'value="completed"[^>]*checked|checked[^>]*value="completed"', html)
    # The empty form of the day is still offered afterwards.
    html = client.get(page).get_data(as_text=True)
    assert f'value="{utcnow().date().isoformat()}"' in html and "第二次上门" not in html


def test_opening_a_visit_is_audited_once_and_a_revisit_names_the_last_visitor(county, client):
    case = case_at_visit("village1")
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    page = f"/inbox/tasks/{task_id}"
    before = AuditEvent.query.filter_by(action="view_household", object_id=str(case.id)).count()
    client.get(page)
    events = AuditEvent.query.filter_by(action="view_household", object_id=str(case.id)).all()
    assert len(events) == before + 1
    assert (events[-1].user_id, events[-1].object_type, events[-1].remote_addr) == (user("village1").id, "case", "127.0.0.1")
    assert client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-06-01",
                              "visit_comment": "外出务工"}, token_from=page).status_code == 302
    revisit = InboxTask.query.filter_by(case_id=case.id, state="ready").one()
    html = client.get(f"/inbox/tasks/{revisit.id}").get_data(as_text=True)
    note = _section(html, "revisit-note")
    assert "外出务工" in note and f"（{user('village1').display_name}）" in note
