"""The app's ``login_required`` answers every request as Flask-Login's decorator does.

Two views of the same body, one behind each decorator, asked the same things: an anonymous page
and form post (the log-in page, with the way back), a preflight OPTIONS (let through), log-ins
switched off (let through), a signed-in user (the view's own answer), and a page of the app
itself that needs a log-in.
"""
from urllib.parse import quote

import flask_login
import pytest

from webapp.auth.decorators import login_required


def _add_twin_views(app):
    def body():
        return "inside"

    app.add_url_rule("/_twin/app", "twin_app", login_required(body), methods=["GET", "POST", "OPTIONS"],
                     provide_automatic_options=False)
    app.add_url_rule("/_twin/flask_login", "twin_flask_login", flask_login.login_required(body),
                     methods=["GET", "POST", "OPTIONS"], provide_automatic_options=False)


def _answers(app, client, method):
    found = []
    for path in ("/_twin/app", "/_twin/flask_login"):
        with app.app_context():  # each request its own context, as a browser's (conftest's Client)
            response = client.open(path, method=method)
        location = response.headers.get("Location", "")
        body = response.get_data(as_text=True) if response.status_code == 200 else ""  # (an error page has a token)
        found.append((response.status_code, location.replace(quote(path, safe=""), "<view>"), body))
    return found


@pytest.mark.parametrize("method", ["GET", "POST", "OPTIONS"])
def test_an_anonymous_request_is_answered_as_flask_login_answers_it(app, method):
    _add_twin_views(app)
    mine, theirs = _answers(app, app.test_client(), method)
    assert mine == theirs
    if method == "GET":
        assert mine[0] == 302 and "/login?next=" in mine[1]
    elif method == "POST":
        assert mine[0] == 400  # no CSRF token: refused before the log-in is asked for, by both
    else:
        assert mine[2] == "inside"


def test_log_ins_switched_off_let_everyone_through_as_flask_login_does(app):
    _add_twin_views(app)
    app.config["LOGIN_DISABLED"] = True
    mine, theirs = _answers(app, app.test_client(), "GET")
    assert mine == theirs == (200, "", "inside")


def test_a_signed_in_user_gets_the_view(county, client):
    _add_twin_views(county)
    client.login("village1")
    mine, theirs = _answers(county, client.raw.client, "GET")
    assert mine == theirs == (200, "", "inside")


def test_an_app_page_still_asks_for_a_log_in(county, client):
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    client.login("village1")
    assert client.get("/inbox").status_code == 200
