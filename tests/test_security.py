"""CSRF on every form, hashed passwords, masked IDs, the audit log of personal data."""
from webapp.extensions import db
from webapp.idnumber import mask_id
from webapp.models import AuditEvent, InboxTask, Person

from .helpers import user


def test_post_without_csrf_token_is_refused(county, client):
    client.login("township")
    row = InboxTask.query.filter_by(task_name="assign_household").first()
    response = client.raw.post(f"/inbox/tasks/{row.id}/claim", data={})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).assignee_id is None


def test_login_form_needs_csrf_and_right_password(county, client):
    assert client.raw.post("/login", data={"username": "township", "password": "demo1234"}).status_code == 400
    wrong = client.post("/login", {"username": "township", "password": "nope"})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    assert AuditEvent.query.filter_by(action="login_failed").count() == 1


def test_passwords_are_hashed(county):
    stored = user("township").password_hash
    assert "demo1234" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_lists_mask_ids_and_opening_a_record_is_audited(county, client):
    person = Person.query.first()
    client.login("county")
    listing = client.get("/registry/persons").get_data(as_text=True)
    assert person.id_number not in listing and mask_id(person.id_number) in listing
    inbox_case = client.get(f"/cases/{InboxTask.query.first().case_id}").get_data(as_text=True)
    assert person.id_number not in inbox_case
    before = AuditEvent.query.filter_by(action="view_person").count()
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    assert person.id_number in page
    events = AuditEvent.query.filter_by(action="view_person").all()
    assert len(events) == before + 1
    assert events[-1].user.username == "county" and events[-1].object_id == str(person.id)


def test_logout_needs_post(county, client):
    client.login("township")
    assert client.get("/logout").status_code == 405
    assert client.logout().status_code == 302
    assert client.get("/inbox").status_code == 302
