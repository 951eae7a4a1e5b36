"""Offline visits, server side: the day's package, idempotent sync through the online services,
conflicts kept on the case, queue lengths shown to supervisors."""
import uuid

import pytest

from webapp.extensions import db
from webapp.models import CaseEvent, OfflineEntry, RegistrationForm, SyncReceipt, User
from webapp.services.casework import supervision

from .helpers import case_at_visit, open_task, registration_form_data, user

pytestmark = pytest.mark.usefixtures("county")


def key():
    """A phone's idempotency key."""
    return uuid.uuid4().hex


class Phone:
    """The requests the offline app makes (JSON with the CSRF token from /offline/api/session)."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def session(self):
        answer = self.client.get("/offline/api/session")
        assert answer.status_code == 200, answer.status_code
        self.csrf = answer.get_json()["csrf_token"]
        return answer.get_json()

    def package(self):
        return self.client.get("/offline/api/package").get_json()

    def sync(self, payload):
        if self.csrf is None:
            self.session()
        answer = self.client.raw.post("/offline/api/sync", json=payload, headers={"X-CSRFToken": self.csrf})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
        return answer.get_json()


@pytest.fixture
def phone(client):
    client.login("village1")
    phone = Phone(client)
    phone.session()
    return phone


def _visit(package, task_id):
    return next(v for v in package["visits"] if v["task_id"] == task_id)


def _form_payload(visit, person, **overrides):
    data = registration_form_data(person, person_id=str(person.id), **overrides)
    data["policy_explained"] = True
    return {"key": key(), "kind": "form", "task_id": visit["task_id"], "version": visit["version"],
            "data": data, "entered_at": "2026-11-30T08:00:00Z", "queue_length": 3}


def test_package_holds_the_assistants_visits(phone):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    assert visit["case_id"] == case.id
    assert {m["id_number"] for m in visit["members"]} == {p.id_number for p in case.household.persons}
    assert visit["version"]


def test_sync_saves_each_form_once_and_completes_once(phone):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    for person in case.household.persons:
        payload = _form_payload(visit, person)
        first = phone.sync(payload)
        assert first["status"] == "done", first
        again = phone.sync(payload)  # the answer was lost: the phone sends the same key again
        assert again["status"] == "done" and again["replayed"] is True
    finish = {"key": key(), "kind": "visit", "task_id": row.id, "version": visit["version"],
              "data": {"visit_result": "completed", "visit_date": "2026-11-30", "policy_explained": True}}
    assert phone.sync(finish)["status"] == "done"
    assert phone.sync(finish)["replayed"] is True
    db.session.expire_all()
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == len(case.household.persons)
    completions = CaseEvent.query.filter_by(case_id=case.id, kind="task_completed", task_name="visit_household")
    assert completions.count() == 1
    assert open_task(case, "visit_household") is None
    assert SyncReceipt.query.count() == len(case.household.persons) + 1


def test_the_server_re_validates(phone):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    person = case.household.persons[0]
    bad = _form_payload(visit, person, id_number=person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1"))
    answer = phone.sync(bad)
    assert answer["status"] == "refused" and "id_number" in answer["errors"]
    no_signature = _form_payload(visit, person, signature="")
    assert "signature" in phone.sync(no_signature)["errors"]
    early = {"key": key(), "kind": "visit", "task_id": row.id, "version": visit["version"],
             "data": {"visit_result": "completed", "visit_date": "2026-11-30"}}
    answer = phone.sync(early)
    assert answer["status"] == "refused" and person.name in answer["message"]
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == 0
    assert open_task(case, "visit_household") is not None


def test_reassigned_while_offline_is_told_and_kept(phone, make_client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    colleague = User(username="village1b", display_name="同村协理员", role="village", area=user("village1").area)
    colleague.set_password("demo1234")
    db.session.add(colleague)
    supervision.reassign(row, colleague, user("supervisor"), "休假")
    db.session.commit()

    person = case.household.persons[0]
    answer = phone.sync(_form_payload(visit, person, note="离线填写"))
    assert answer["status"] == "conflict" and answer["reason"] == "reassigned"
    assert "改派" in answer["message"]
    db.session.expire_all()
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == 0
    entry = OfflineEntry.query.filter_by(case_id=case.id).one()
    assert entry.data["note"] == "离线填写" and entry.user.username == "village1"
    reviewer = make_client()
    reviewer.login("township")
    page = reviewer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="offline-entries"' in page and "离线填写" in page and "离线期间任务已改派" in page
    assert "离线填报未能提交" in page  # the timeline line


def test_case_changed_while_offline_is_a_conflict(phone):
    from webapp.services.casework import cases

    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    # A reminder firing meanwhile is housekeeping: the entry still applies.
    cases.add_event(case, "reminder", None, row.task_name, comment="即将到期")
    db.session.commit()
    assert phone.sync(_form_payload(visit, case.household.persons[0]))["status"] == "done"
    cases.add_event(case, "change_applied", user("county"), None, comment="户籍变更")
    db.session.commit()
    answer = phone.sync(_form_payload(visit, case.household.persons[1]))
    assert answer["status"] == "conflict" and answer["reason"] == "changed"


def test_queue_length_reaches_the_supervisor(phone, make_client):
    phone.client.raw.post("/offline/api/report", json={"queue_length": 7}, headers={"X-CSRFToken": phone.csrf})
    supervisor = make_client()
    supervisor.login("supervisor")
    page = supervisor.get("/supervision/").get_data(as_text=True)
    village1 = user("village1")
    assert f'<tr data-person="{village1.id}"><td>{village1.display_name}</td>' in page
    section = page[page.index('id="offline-queues"'):]
    assert ">7</td>" in section


def test_bad_keys_and_other_roles_are_refused(phone, make_client):
    answer = phone.client.raw.post("/offline/api/sync", json={"key": "x", "kind": "form", "task_id": 1},
                                   headers={"X-CSRFToken": phone.csrf})
    assert answer.status_code == 400
    other = make_client()
    other.login("township")
    assert other.get("/offline/api/package").status_code == 403
    assert make_client().get("/offline/api/package").status_code == 401
    no_csrf = phone.client.raw.post("/offline/api/sync", json={"key": key(), "kind": "form", "task_id": 1})
    assert no_csrf.status_code == 400


def test_salt_is_stable_and_per_user(client):
    one = client.get("/offline/salt?u=village1").get_json()
    assert one == client.get("/offline/salt?u=village1").get_json()
    assert one["salt"] != client.get("/offline/salt?u=village2").get_json()["salt"]
    assert client.get("/offline/salt?u=nobody").get_json()["salt"]  # unknown names get one too


def test_logout_wipes_the_offline_store(phone):
    answer = phone.client.logout()
    assert "storage" in answer.headers["Clear-Site-Data"]


def test_a_batch_applies_each_entry_once(phone):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    visit = _visit(phone.package(), row.id)
    items = [_form_payload(visit, person) for person in case.household.persons]
    items.append({"key": key(), "kind": "visit", "task_id": row.id, "version": visit["version"],
                  "data": {"visit_result": "completed", "visit_date": "2026-11-30"}})
    batch = {"items": items, "queue_length": len(items)}
    answer = phone.client.raw.post("/offline/api/sync", json=batch, headers={"X-CSRFToken": phone.csrf}).get_json()
    assert [r["status"] for r in answer["results"]] == ["done"] * len(items)
    replay = phone.client.raw.post("/offline/api/sync", json=batch, headers={"X-CSRFToken": phone.csrf}).get_json()
    assert all(r["replayed"] for r in replay["results"])
    db.session.expire_all()
    assert RegistrationForm.query.filter_by(case_id=case.id).count() == len(case.household.persons)
    assert CaseEvent.query.filter_by(case_id=case.id, kind="task_completed", task_name="visit_household").count() == 1
    too_many = {"items": [items[0]] * 26}
    assert phone.client.raw.post("/offline/api/sync", json=too_many,
                                 headers={"X-CSRFToken": phone.csrf}).status_code == 400
