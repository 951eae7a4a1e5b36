"""The session cookie opened from what this process already checked (webapp/session_cookie.py)
gives what Flask's own interface gives: the same contents, flash messages shown once, and every
cookie Flask would refuse refused (forged, re-signed with another key, expired: see also
tests/test_request_overhead.py)."""
import time

from flask import flash, get_flashed_messages, request
from flask.sessions import SecureCookieSessionInterface

from webapp.session_cookie import SessionInterface


def _flasks_own(app, cookie):
    """The contents Flask's own interface reads from ``cookie`` (None when it refuses it)."""
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(
        cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))


def _opened(app, cookie):
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def test_the_app_uses_the_remembering_interface(app):
    assert isinstance(app.session_interface, SessionInterface)


def test_a_cookie_opened_again_has_flasks_contents(county, client):
    client.login("village1")
    app = client.raw.app
    cookie = client.raw.client.get_cookie("session").value
    first, again = _opened(app, cookie), _opened(app, cookie)  # the second from what was kept
    assert first == again == _flasks_own(app, cookie)
    again["_user_id"] = "999"  # a request changing its session does not change what the next one gets
    assert _opened(app, cookie) == _flasks_own(app, cookie)


def test_flash_messages_go_through_the_kept_cookie_and_are_shown_once(app):
    @app.route("/t/flash", methods=["GET"])
    def set_flash():
        flash("一条消息", "success")
        flash("two", "error")
        return "set"

    @app.route("/t/show")
    def show():
        return repr(get_flashed_messages(with_categories=True))

    test_client = app.test_client()
    test_client.get("/t/flash")
    cookie = test_client.get_cookie("session").value
    expected = _flasks_own(app, cookie)
    assert expected["_flashes"] == [("success", "一条消息"), ("error", "two")]
    assert _opened(app, cookie) == expected  # kept when written: the same as Flask reads it
    assert test_client.get("/t/show").get_data(as_text=True) == repr([("success", "一条消息"), ("error", "two")])
    assert test_client.get("/t/show").get_data(as_text=True) == "[]"  # shown once
    # The old cookie (messages in it) sent again to a page that adds one: what was kept for that
    # cookie stays as signed (the request appended to a copy).
    test_client.set_cookie("session", cookie)
    test_client.get("/t/flash")
    assert _opened(app, cookie)["_flashes"] == expected["_flashes"]


def test_a_kept_cookie_past_its_lifetime_is_refused(county, client, monkeypatch):
    client.login("village1")
    app = client.raw.app
    cookie = client.raw.client.get_cookie("session").value
    assert _opened(app, cookie)["_user_id"]
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 5)
    assert _opened(app, cookie) == {}


def test_a_kept_cookie_is_refused_under_another_key(county, client):
    client.login("village1")
    app = client.raw.app
    cookie = client.raw.client.get_cookie("session").value
    assert _opened(app, cookie)["_user_id"]
    app.secret_key = app.config["SECRET_KEY"] = "another key entirely"
    assert _opened(app, cookie) == {}
