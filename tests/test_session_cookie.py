"""The session cookie opened from what this process already checked (webapp/session_cookie.py)
gives what Flask's own interface gives: the same contents, flash messages shown once, and every
cookie Flask would refuse refused (forged, re-signed with another key, expired: see also
tests/test_request_overhead.py)."""
import time

import pytest
from flask import flash, get_flashed_messages, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

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


def _message_pages(app, messages, keep_session=False):
    """A test client of ``app`` with two pages: /t/flash flashes ``messages`` ((category, text)s;
    with ``keep_session`` the session also holds a key of its own, as a log-in's does), /t/show
    shows and takes them."""
    def set_flash():
        if keep_session:
            session["kept"] = "1"
        for category, text in messages:
            flash(text, category)
        return "set"

    app.add_url_rule("/t/flash", "t_flash", set_flash)
    app.add_url_rule("/t/show", "t_show", lambda: repr(get_flashed_messages(with_categories=True)))
    return app.test_client()


def test_flash_messages_go_through_the_kept_cookie_and_are_shown_once(app):
    test_client = _message_pages(app, [("success", "一条消息"), ("error", "two")])
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


def test_a_written_cookie_is_byte_for_byte_the_one_flask_writes(app, monkeypatch):
    """The kept payloads and the key derived once write exactly Flask's cookie, each time (the
    same contents again, contents differing only in a value's type, a message added or shown)."""
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)  # both sign at the same second
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.session_interface.get_signing_serializer(app)
    base = {"csrf_token": "f" * 40, "_fresh": True, "_user_id": "7", "_id": "a" * 128}
    contents = [base, dict(base, _flashes=[("success", "已保存。")]), base, dict(base, _fresh=1),
                dict(base, _flashes=[("success", "已保存。"), ("error", "two")]), dict(base, _flashes=[("success", 1)]),
                dict(base, _flashes=[("success", True)]), {"locale": "en"}, {}]
    for data in contents * 2:
        written = ours.dumps(dict(data))
        assert written == flasks.dumps(dict(data))
        assert flasks.loads(written) == data and type(flasks.loads(written).get("_fresh")) is type(data.get("_fresh"))


def test_a_page_after_a_message_writes_a_cookie_flask_opens_with_the_message_gone(app):
    test_client = _message_pages(app, [("success", "已保存。")], keep_session=True)
    test_client.get("/t/flash")
    assert _flasks_own(app, test_client.get_cookie("session").value)["_flashes"] == [("success", "已保存。")]
    assert test_client.get("/t/show").get_data(as_text=True) == repr([("success", "已保存。")])
    assert "_flashes" not in _flasks_own(app, test_client.get_cookie("session").value)
    test_client.get("/t/flash")  # the same contents again: the kept payload, a fresh signature
    assert _flasks_own(app, test_client.get_cookie("session").value)["_flashes"] == [("success", "已保存。")]


def _opened_by(interface, app, cookie):
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        return dict(interface.open_session(app, request))


def test_another_processs_new_cookie_with_known_contents_opens_as_flask_opens_it(app, monkeypatch):
    """A worker that has read these contents before opens another worker's newer cookie of them
    from its payload; a changed signature, a cookie past its lifetime or dated ahead, and one of
    another key are refused, as Flask refuses them."""
    writer = SessionInterface()  # one worker process writes, the others read
    data = {"csrf_token": "f" * 40, "_fresh": True, "_user_id": "7", "_flashes": [("success", "已保存。")]}
    now, lifetime = time.time(), int(app.permanent_session_lifetime.total_seconds())

    def reader_that_read_older():
        reader = SessionInterface()
        monkeypatch.setattr(time, "time", lambda: now - 60)
        assert _opened_by(reader, app, older) == data  # through Flask's loads: its payload learnt
        monkeypatch.setattr(time, "time", lambda: now)
        return reader

    monkeypatch.setattr(time, "time", lambda: now - 60)
    older = writer.get_signing_serializer(app).dumps(dict(data))
    monkeypatch.setattr(time, "time", lambda: now)
    newer = writer.get_signing_serializer(app).dumps(dict(data))
    assert newer != older
    reader = reader_that_read_older()
    assert _opened_by(reader, app, newer) == data == _flasks_own(app, newer)
    forged = newer[:-2] + ("AA" if newer[-2:] != "AA" else "BB")
    with pytest.raises(BadSignature):
        _flasks_own(app, forged)
    assert _opened_by(reader_that_read_older(), app, forged) == {}
    reader = reader_that_read_older()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 5)
    assert _opened_by(reader, app, newer) == {}  # past its lifetime
    reader = reader_that_read_older()
    monkeypatch.setattr(time, "time", lambda: now - 30)
    assert _opened_by(reader, app, newer) == {}  # dated ahead
    reader = reader_that_read_older()
    app.secret_key = app.config["SECRET_KEY"] = "another key entirely"
    assert _opened_by(reader, app, newer) == {}


@pytest.mark.parametrize("header", [
    "session={c}", "other=1; session={c}; theme=dark", "session={c}; session=forged", "session=forged; session={c}",
    'session="{c}"; x=1', "x=" + "y" * 5000 + "; session={c}", "Session={c}", "other=1", "", "session="])
def test_the_session_cookie_is_found_in_the_header_as_flask_finds_it(app, header):
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps({"locale": "en"})
    header = header.format(c=cookie)
    with app.test_request_context("/", headers={"Cookie": header} if header else {}):
        mine = app.session_interface.open_session(app, request)
        assert dict(mine) == dict(SecureCookieSessionInterface().open_session(app, request))
    with app.test_request_context("/", headers={"Cookie": header} if header else {}):  # the same header again
        assert dict(app.session_interface.open_session(app, request)) == dict(mine)


def _responses_of(app, view_vary, change):
    """The Vary and Set-Cookie headers this app's interface and Flask's write after ``change``."""
    written = []
    for interface in (app.session_interface, SecureCookieSessionInterface()):
        with app.test_request_context("/"):
            opened = interface.open_session(app, request)
            change(opened)
            response = app.response_class("x")
            if view_vary:
                response.headers["Vary"] = view_vary
            interface.save_session(app, opened, response)
            written.append([(name, value) for name, value in response.headers.to_wsgi_list()
                            if name.lower() in ("vary", "set-cookie")])
    return written


def _read(opened):
    opened.get("locale")


def _write(opened):
    opened["locale"] = "en"


def _emptied(opened):
    opened["locale"] = "en"
    opened.clear()


@pytest.mark.parametrize("view_vary", [None, "Accept-Encoding", "cookie"])
@pytest.mark.parametrize("change", [_read, _write, _emptied, lambda opened: None])
def test_a_saved_session_sets_the_headers_flask_sets(app, monkeypatch, view_vary, change):
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000)  # both cookies signed at the same second
    mine, flasks = _responses_of(app, view_vary, change)
    assert mine == flasks
