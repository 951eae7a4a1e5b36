"""The request's user is read as plain values on every request (webapp/auth/request_user.py): an
administrator's change of a user's account (disabled, role, area, a password to change) takes
effect on that user's next request, writes through the request's user reach the database, and a
service asking whether the request's user is active needs no statement."""
from sqlalchemy import event, update

from webapp.auth import user_loading
from webapp.auth.request_user import RequestArea, RequestUser
from webapp.extensions import db
from webapp.models import Area, Notification, User
from webapp.services import known_users

from .helpers import case_at_visit, user


def _change(username, **values):
    """Change ``username``'s account as another process would (committed, then forgotten here)."""
    account = user(username)
    for name, value in values.items():
        setattr(account, name, value)
    db.session.commit()
    db.session.expunge_all()


def _at_the_inbox(make_client):
    """village1 logged in, their inbox shown as the account is now."""
    person = make_client()
    person.login("village1")
    assert person.get("/inbox").status_code == 200
    return person


def test_a_disabled_user_is_logged_out_on_the_next_request(county, make_client):
    person = _at_the_inbox(make_client)
    _change("village1", active=False)
    answer = person.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert person.get("/cases/").status_code == 302


def test_a_role_change_takes_effect_on_the_next_request(county, make_client):
    person = make_client()
    person.login("village1")
    assert person.get("/supervision/").status_code == 403
    _change("village1", role="supervisor", area_id=user("supervisor").area_id)
    assert person.get("/supervision/").status_code == 200
    _change("village1", role="village", area_id=user("village1").area_id)
    assert person.get("/supervision/").status_code == 403


def test_an_area_change_moves_the_scope_on_the_next_request(county, make_client):
    case_id = case_at_visit("village1").id
    home = user("village1").area_id
    elsewhere = Area.query.filter(Area.level == "village", Area.id != home).order_by(Area.code).first()
    person = make_client()
    person.login("village1")
    assert person.get(f"/cases/{case_id}").status_code == 200
    _change("village1", area_id=elsewhere.id)
    assert person.get(f"/cases/{case_id}").status_code == 404
    _change("village1", area_id=home)
    assert person.get(f"/cases/{case_id}").status_code == 200


def test_a_password_an_administrator_set_is_asked_for_on_the_next_request(county, make_client):
    person = _at_the_inbox(make_client)
    _change("village1", must_change_password=True)
    answer = person.get("/inbox")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/password")
    # Changing it writes through the request's user to the account (and the audit).
    response = person.post("/password", {"current_password": "demo1234", "new_password": "Another-Pass-77",
                                         "confirm_password": "Another-Pass-77"}, token_from="/password")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    db.session.expunge_all()
    changed = user("village1")
    assert not changed.must_change_password and changed.check_password("Another-Pass-77")
    assert person.get("/inbox").status_code == 200


def test_the_request_user_holds_values_and_reads_the_rest_from_the_account(county):
    account = user("village1")
    account_id, area_code, password_hash = account.id, account.area.code, account.password_hash
    db.session.expunge_all()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with county.test_request_context("/inbox"):
            loaded = user_loading.load_user(str(account_id))
            assert isinstance(loaded, RequestUser) and isinstance(loaded.area, RequestArea)
            assert (loaded.get_id(), loaded.username, loaded.role, loaded.is_active) == (
                str(account_id), "village1", "village", True)
            assert loaded.area.code == area_code and loaded.area.county_code == area_code[:6]
            assert loaded.area.township_code == area_code[:9] + "000"
            # Known active without a statement: the assignment of a visitor's new task asks this.
            assert known_users.active(account_id) is True and len(statements) == 1
            assert known_users.active(account_id + 1000) is None
            # Anything else from the ORM account, loaded once: equal to it by id.
            assert loaded.password_hash == password_hash and loaded.created_at is not None
            assert len(statements) == 2 and loaded == db.session.get(User, account_id) and len(statements) == 2
            assert loaded.area.parent is not None and loaded.area == loaded.area.orm()
            db.session.rollback()
        with county.test_request_context("/inbox"):
            db.session.expunge_all()
            assert known_users.active(account_id) is None  # another request: not known
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def test_an_account_written_in_the_same_request_is_no_longer_known_active(county):
    account_id = user("village1").id
    db.session.expunge_all()
    with county.test_request_context("/inbox"):
        user_loading.load_user(str(account_id))
        assert known_users.active(account_id) is True
        # Writing other tables (a visit completion's statements) keeps it known.
        db.session.execute(update(Notification).where(Notification.user_id == account_id).values(read_at=None))
        assert known_users.active(account_id) is True
        # A Core UPDATE of the account: this request's answer no longer holds.
        db.session.execute(update(User.__table__).where(User.__table__.c.id == account_id).values(active=False))
        assert known_users.active(account_id) is None
        assert db.session.get(User, account_id).active is False
        db.session.rollback()


def test_session_protection_hashes_the_client_as_flask_login_does(app):
    """The identifier a logged-in session is checked against (Flask-Login's session protection)
    is Flask-Login's own for every client, whether or not it was seen before: sessions made
    before the change stay valid and a session carried to another browser is still noticed."""
    from flask_login.utils import _create_identifier

    clients = [{"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Android 13) 手机"},
               {"REMOTE_ADDR": "10.0.0.7", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0)"},
               {"REMOTE_ADDR": "10.0.0.8"},
               {"REMOTE_ADDR": "10.0.0.7", "HTTP_X_FORWARDED_FOR": "203.0.113.5, 10.0.0.1",
                "HTTP_USER_AGENT": "curl/8"},
               {}]
    seen = set()
    for _ in range(2):  # the second time from the memo
        for environ in clients:
            with app.test_request_context(environ_base=environ):
                ours = user_loading.session_identifier()
                assert ours == _create_identifier()
                seen.add(ours)
    assert len(seen) == len(clients)
