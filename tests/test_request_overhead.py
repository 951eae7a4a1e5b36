"""What every request answers, pinned for work on the fixed cost of a request (issue 11).

The responses' headers (so that any later change to how they are set keeps them), log-in,
log-out, session expiry, a forged or altered cookie, a changed secret key, CSRF and the forced
password change (which reads the user once); the header's unread count read with the user and
forgotten after any write that could change it; static files without a statement.
"""
import pathlib
import re
import time

from flask import render_template, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, login_required
from sqlalchemy import delete, event, text, update

from webapp.extensions import db
from webapp.models import Notification
from webapp.security_headers import CONTENT_SECURITY_POLICY
from webapp.services import audit, notifications

from .helpers import user

SECURITY = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _headers(response):
    """The response's headers without the ones that vary from run to run (length, cookie value)."""
    return [(name, value) for name, value in response.headers if name not in ("Content-Length", "Set-Cookie")]


def test_headers_of_several_pages_are_exactly_as_before(county, client):
    html = [("Content-Type", "text/html; charset=utf-8")]
    security = list(SECURITY.items())
    assert _headers(client.get("/login")) == html + security + [("Vary", "Cookie")]
    client.login("village1")
    assert _headers(client.get("/inbox")) == html + security + [("Vary", "Cookie")]
    assert _headers(client.get("/password")) == html + security + [("Vary", "Cookie")]
    assert _headers(client.get("/no-such-page")) == html + security + [("Vary", "Cookie")]
    redirect = client.get("/login")  # a logged-in user is sent on
    assert redirect.status_code == 302
    assert _headers(redirect) == html + [("Location", redirect.headers["Location"])] + security + [("Vary", "Cookie")]
    static = client.get("/static/app.css")
    assert [name for name, _ in _headers(static) if name in SECURITY] == list(SECURITY)
    static.close()
    logout = client.logout()  # its own Clear-Site-Data header is kept, the security ones follow
    assert ("Clear-Site-Data", '"cache", "storage"') in _headers(logout)
    assert _headers(logout)[-5:] == security + [("Vary", "Cookie")]


def test_a_view_cannot_weaken_the_security_headers_and_https_adds_hsts(app):
    @app.route("/weak")
    def weak():
        return "x", 200, {"X-Frame-Options": "SAMEORIGIN", "Content-Security-Policy": "default-src *"}

    response = app.test_client().get("/weak")
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert response.headers.getlist("Content-Security-Policy") == [CONTENT_SECURITY_POLICY]
    assert "Strict-Transport-Security" not in response.headers
    app.config["SESSION_COOKIE_SECURE"] = True
    response = app.test_client().get("/weak")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_the_session_cookie_is_flasks_own_format(county, client):
    """A cookie this app signs opens with Flask's own interface."""
    client.login("village1")
    cookie = client.raw.client.get_cookie("session").value
    app = client.raw.app
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    assert data["_user_id"] == str(user("village1").id)


def _logged_in(client):
    response = client.get("/inbox")
    return response.status_code == 200


def test_a_forged_or_altered_cookie_is_refused_even_after_the_real_one_was_seen(county, client):
    client.login("village1")
    assert _logged_in(client)
    real = client.raw.client.get_cookie("session").value
    payload, rest = real.split(".", 1)
    # Same signature, another payload; the real payload with a broken signature.
    for forged in (payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest, real[:-3] + "abc"):
        client.raw.client.set_cookie("session", forged)
        assert client.get("/inbox").status_code == 302
    client.raw.client.set_cookie("session", real)
    assert _logged_in(client)


def test_a_session_past_its_lifetime_is_logged_out(county, client, monkeypatch):
    client.raw.app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    client.login("village1")
    assert _logged_in(client) and _logged_in(client)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3600 + 5)
    assert client.get("/inbox").status_code == 302
    monkeypatch.setattr(time, "time", lambda: now - 3600)  # dated in the future: refused too
    assert client.get("/inbox").status_code == 302


def test_a_changed_secret_key_logs_everyone_out(county, client):
    client.login("village1")
    assert _logged_in(client)
    client.raw.app.config["SECRET_KEY"] = client.raw.app.secret_key = "another-secret-key"
    assert client.get("/inbox").status_code == 302


def test_a_deactivated_user_is_logged_out_on_the_next_request(county, client):
    client.login("village1")
    assert _logged_in(client)
    user("village1").active = False
    db.session.commit()
    assert client.get("/inbox").status_code == 302


def test_csrf_is_still_required(county, client):
    client.login("village1")
    response = client.raw.post("/logout", data={})
    assert response.status_code == 400
    assert _logged_in(client)


def test_the_forced_password_change_still_redirects(county, client):
    village1 = user("village1")
    village1.must_change_password = True
    db.session.commit()
    client.login("village1")
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    assert client.get("/password").status_code == 200


class _Statements:
    """The SQL statements the app sends while active (a list of their texts)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.sent = []

    def _record(self, conn, cursor, statement, *args):
        self.sent.append(" ".join(statement.split()))

    def __enter__(self):
        self.sent = []
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def _shown_count(html):
    """The unread count in the page's header (0 when the header shows none)."""
    match = re.search(r'id="notification-count">([0-9,]+)</span>', html)
    return int(match.group(1).replace(",", "")) if match else 0


def _unread_now(username):
    db.session.rollback()  # a fresh snapshot: what the requests committed
    return notifications.unread_count(user(username))


def test_a_page_reads_the_unread_count_with_the_user(county, client):
    village1 = user("village1")
    notifications.notify([village1.id], "reminder", message="one")
    notifications.notify([village1.id], "reminder", message="two")
    db.session.commit()
    client.login("village1")
    client.get("/inbox")
    with _Statements(client.raw.app) as statements:
        html = client.get("/notifications/").get_data(as_text=True)
    # The old way and the new agree: the count a fresh statement gives is the one the page shows.
    assert _shown_count(html) == _unread_now("village1") >= 2
    about_messages = [sql for sql in statements.sent if "notification.read_at IS NULL" in sql]
    assert len(about_messages) == 1 and "user_account" in about_messages[0], statements.sent
    assert statements.sent[0] == about_messages[0]  # the user load itself
    with _Statements(client.raw.app) as statements:  # a POST loads the user alone, its page counts
        refused = client.raw.post("/logout", data={})
    assert refused.status_code == 400 and _shown_count(refused.get_data(as_text=True)) == _unread_now("village1")
    assert "user_account" in statements.sent[0] and "notification" not in statements.sent[0]
    assert client.get("/static/app.css").status_code == 200


def test_the_count_read_with_the_user_is_forgotten_after_a_write(app, county, client):
    """A request that changes the messages and then shows a page shows the count as it is now:
    written through the notification service (an upsert, a mark-read), an ORM object flushed, an
    ORM bulk update or delete, or a raw UPDATE run through the session; a rendered answer to a
    POST counts afresh. (A statement sent past the session, on its connection, is not watched:
    only the service writes messages, pinned below.)"""
    def page_after(write):
        def view():
            write(current_user._get_current_object())  # not committed: the request's own writes
            return render_template("base.html")
        return login_required(view)

    app.add_url_rule("/t/notify", "t_notify", page_after(
        lambda me: notifications.notify([me.id], "reminder", message="new")))
    app.add_url_rule("/t/read-all", "t_read_all", page_after(notifications.mark_read))
    app.add_url_rule("/t/orm-add", "t_orm_add", page_after(lambda me: (
        db.session.add(Notification(user_id=me.id, kind="reminder", message="orm")), db.session.flush())))
    app.add_url_rule("/t/bulk", "t_bulk", page_after(lambda me: db.session.execute(
        update(Notification).where(Notification.user_id == me.id).values(read_at=Notification.created_at))))
    app.add_url_rule("/t/raw", "t_raw", page_after(lambda me: db.session.execute(
        text("update notification set read_at = created_at where user_id = :id"), {"id": me.id})))
    app.add_url_rule("/t/bulk-delete", "t_bulk_delete", page_after(lambda me: db.session.execute(
        delete(Notification).where(Notification.user_id == me.id, Notification.message == "a"))))
    app.add_url_rule("/t/audit", "t_audit", page_after(
        lambda me: audit.write(me, "view_case", "case", 1)))  # another table: the count stands
    app.add_url_rule("/t/post", "t_post", page_after(lambda me: None), methods=["POST"])
    village1 = user("village1")
    for message in ("a", "b", "c"):
        notifications.notify([village1.id], "reminder", message=message)
    db.session.commit()
    client.login("village1")
    before = _unread_now("village1")
    assert before >= 3 and _shown_count(client.get("/inbox").get_data(as_text=True)) == before
    assert _shown_count(client.get("/t/notify").get_data(as_text=True)) == before + 1
    assert _shown_count(client.get("/t/read-all").get_data(as_text=True)) == 0
    assert _shown_count(client.get("/t/orm-add").get_data(as_text=True)) == before + 1
    assert _shown_count(client.get("/t/bulk").get_data(as_text=True)) == 0
    assert _shown_count(client.get("/t/raw").get_data(as_text=True)) == 0
    assert _shown_count(client.get("/t/bulk-delete").get_data(as_text=True)) == before - 1
    assert _shown_count(client.get("/t/audit").get_data(as_text=True)) == before
    assert _shown_count(client.post("/t/post", token_from="/inbox").get_data(as_text=True)) == before
    assert _unread_now("village1") == before  # the test views did not commit
    # Another user's count is never the one read with this user.
    assert _shown_count(client.get("/inbox").get_data(as_text=True)) == before


# What writes the notification table: an ORM object or statement naming the model or its table,
# or SQL text naming the table after INSERT INTO / UPDATE / DELETE FROM.
_WRITES_MESSAGES = re.compile(r"(?<!class )Notification\(|update\(Notification|delete\(Notification|insert\(Notification"
                              r"|Notification\.__table__|(insert\s+into|update|delete\s+from)\s+notification\b",
                              re.IGNORECASE)


def test_only_the_notification_service_writes_messages():
    """The unread count kept with the user is forgotten by the service's writers and the ORM's
    events (services/notifications.py), not by watching every statement: so no other module
    may write the notification table."""
    root = pathlib.Path(__file__).resolve().parent.parent / "webapp"
    writers = sorted(str(path.relative_to(root)) for path in root.rglob("*.py")
                     if _WRITES_MESSAGES.search(path.read_text(encoding="utf-8")))
    assert writers == ["services/notifications.py"], writers


def test_the_schema_has_no_triggers(app):
    """The user load keeps its unread count across plain INSERTs into other tables
    (webapp/auth/user_loading.py): true only while no trigger can write messages."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            found = db.session.execute(text("select count(*) from pg_trigger where not tgisinternal")).scalar()
        else:
            found = db.session.execute(text("select count(*) from sqlite_master where type = 'trigger'")).scalar()
    assert found == 0


def test_a_static_file_sends_no_statement_even_for_a_forced_password_change(county, client):
    village1 = user("village1")
    village1.must_change_password = True
    db.session.commit()
    client.login("village1")
    with _Statements(client.raw.app) as statements:
        static = client.get("/static/app.css")
        assert static.status_code == 200
        static.close()
    assert statements.sent == []
    assert client.get("/inbox").headers["Location"].endswith("/password")


def test_the_header_links_are_the_ones_url_for_builds(county, client):
    """The header's links, built once per mount point (layout.header_links), are url_for's."""
    client.login("village1")
    app = client.raw.app
    for mount in ("", "/reg"):
        html = client.raw.get("/inbox", environ_overrides={"SCRIPT_NAME": mount}).get_data(as_text=True)
        with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}):
            expected = [url_for("static", filename="app.css"), url_for("static", filename="app.js"),
                        url_for("inbox.index"), url_for("notifications.index"), url_for("search.results"),
                        url_for("auth.logout")] + [url_for("auth.set_language", code=code)
                                                   for code in app.config["LANGUAGES"]]
        header = html.split("<main>")[0]
        for link in expected:
            assert f'"{link}"' in header, (mount, link)
        assert f'action="{mount}/language/en"' in header
