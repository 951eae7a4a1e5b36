"""Saving one person's registration form (one INSERT ... ON CONFLICT DO UPDATE): a double submit
saves one form with the last values and audits each save; two first saves of the same new form
racing on two connections leave one row with the last values; an invalid post saves nothing and
shows its messages; a form this session had loaded is read again after a save."""
import re
import threading

import pytest

from webapp.extensions import db
from webapp.models import AuditEvent, InboxTask, Person, RegistrationForm, User
from webapp.services.casework import tasks

from .conftest import PG_URL
from .helpers import case_at_visit, open_task, registration_form_data, waits_on_a_lock


def _visit_row():
    return open_task(case_at_visit(), "visit_household")


def _saves_audited(id_number):
    return AuditEvent.query.filter_by(action="update_person", object_type="registration_form",
                                      object_id=id_number).count()


def test_a_double_submit_saves_one_form_with_the_last_values(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    token = client.token(page)
    locations = set()
    for phone in ("13800000001", "13800000002"):  # the same page posted twice (a double click)
        response = client.raw.post(page, data=dict(registration_form_data(person, phone=phone), csrf_token=token))
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        locations.add(response.location)
    db.session.expire_all()
    stored = RegistrationForm.query.filter_by(case_id=row.case_id).one()
    # Each answer confirms the one form (its id in the link: tests/test_save_confirmation.py).
    assert locations == {f"/inbox/tasks/{row.id}?saved_form={stored.id}"}
    assert (stored.id_number, stored.person_id, stored.name) == (person.id_number, person.id, person.name)
    assert stored.data["phone"] == "13800000002" and stored.filled_by_id == User.query.filter_by(
        username="village1").one().id
    assert _saves_audited(person.id_number) == 2  # every save of personal data is audited
    event = AuditEvent.query.filter_by(action="update_person", object_id=person.id_number).first()
    assert event.detail == f"case {row.case_id}" and event.remote_addr and event.at is not None


def test_an_invalid_post_saves_nothing_and_shows_every_message(county, client):
    row = _visit_row()
    person = row.case.household.persons[0]
    client.login("village1")
    page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    data = registration_form_data(person, phone="abc", signature="", outcome_code="", household_type="other",
                                  pension_scheme="resident_pension", pension_where="", name="名" * 65)
    response = client.post(page, data, token_from=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    messages = re.findall(r'<p class="error">([^<]*)</p>', html)
    assert messages == ["字段长度不能超过 64 个字符。", "电话号码格式不正确。", "不是有效的选择。",
                        "请选择养老保险参保地。", "该字段是必填字段。", "请选择签字确认情况：本人已签字或拒绝签字。"], messages
    assert RegistrationForm.query.count() == 0 and _saves_audited(person.id_number) == 0


def test_a_form_loaded_before_a_save_is_read_again(county):
    row = _visit_row()
    person = row.case.household.persons[0]
    visitor = User.query.filter_by(username="village1").one()
    first = tasks.save_registration_form(row, visitor, person.id_number, person.name,
                                         {"phone": "1"}, person=person)
    loaded = db.session.get(RegistrationForm, first)
    assert loaded.data == {"phone": "1"}
    again = tasks.save_registration_form(row, visitor, person.id_number, " " + person.name + " ",
                                         {"phone": "2"}, person=person)
    assert again == first and loaded.data == {"phone": "2"} and loaded.name == person.name
    db.session.commit()


@pytest.mark.skipif(not PG_URL, reason="SQLite lets one writer at a time into the database: no two saves overlap")
def test_two_first_saves_of_the_same_form_racing_leave_one_row_with_the_last_values(county):
    """The second save's INSERT waits on the first's uncommitted row; once the first commits it
    updates that row (no unique-key error, no second row), and its values are the ones kept."""
    row_id = _visit_row().id
    person_id = db.session.get(InboxTask, row_id).case.household.persons[0].id
    db.session.commit()
    first_saved, waiting, results = threading.Event(), threading.Event(), {}

    def save(slot, phone, before_commit):
        with county.app_context():
            try:
                row = db.session.get(InboxTask, row_id)
                person = db.session.get(Person, person_id)
                visitor = User.query.filter_by(username="village1").one()
                results[slot] = tasks.save_registration_form(row, visitor, person.id_number, person.name,
                                                             {"phone": phone}, person=person)
                before_commit()
                db.session.commit()
            except Exception as err:  # reported by the assertions below
                results[slot] = err
                first_saved.set()
            finally:
                db.session.remove()

    def second_is_waiting():
        # The second save is blocked on the first's row lock: its backend waits on a lock.
        return waits_on_a_lock(PG_URL, second_thread, "%INSERT INTO registration_form%")

    def first_hold():
        first_saved.set()
        results["second waited"] = second_is_waiting()

    first = threading.Thread(target=save, args=("first", "111", first_hold))
    second_thread = threading.Thread(target=lambda: (first_saved.wait(), save("second", "222", waiting.set)))
    first.start()
    second_thread.start()
    first.join()
    second_thread.join()
    assert results["second waited"] is True, results
    assert isinstance(results["first"], int) and results["second"] == results["first"], results
    db.session.expire_all()
    stored = RegistrationForm.query.filter_by(case_id=db.session.get(InboxTask, row_id).case_id).one()
    assert stored.data == {"phone": "222"}
