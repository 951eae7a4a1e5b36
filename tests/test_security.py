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


def test_shipped_settings_stretch_passwords_with_scrypt(app):
    """The tests hash cheaply (TestConfig); every shipped configuration keeps werkzeug's scrypt."""
    from config import Config, ProductionConfig
    from webapp.models import User

    assert Config.PASSWORD_HASH_METHOD is None and ProductionConfig.PASSWORD_HASH_METHOD is None
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD
    account = User()
    account.set_password("demo1234")
    assert account.password_hash.startswith("scrypt:32768:8:1$")
    assert account.check_password("demo1234") and not account.check_password("demo12345")


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


def test_excel_export_is_scoped_masked_and_logged(county, client):
    import io

    from openpyxl import load_workbook

    from webapp.models import Area

    # A person in another township must not appear in this township's export.
    other = Area.query.filter_by(name="东流镇").one()
    stranger = Person(id_number="341721199001011236", name="外乡人", county_code="341721",
                      township_code=other.code)
    db.session.add(stranger)
    db.session.commit()
    client.login("township")
    response = client.get("/registry/persons/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    township = user("township").area.code
    expected = Person.query.filter_by(township_code=township).count()
    assert expected > 0 and len(rows) - 1 == expected
    assert all("*" in row[1] and row[3] == township for row in rows[1:])
    assert "外乡人" not in [row[0] for row in rows]
    assert AuditEvent.query.filter_by(action="export", object_type="person_list").count() == 1
    cases = load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data)).active
    assert cases.max_row >= 1 and cases.cell(1, 2).value == "案件"
