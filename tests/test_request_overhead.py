"""What every request answers, pinned for work on the fixed cost of a request (issue 11).

The responses' headers (so that any later change to how they are set keeps them), log-in,
log-out, session expiry, a forged or altered cookie, a changed secret key, CSRF and the forced
password change (which reads the user once).
"""
import time

from flask.sessions import SecureCookieSessionInterface

from webapp.extensions import db
from webapp.security_headers import CONTENT_SECURITY_POLICY

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
