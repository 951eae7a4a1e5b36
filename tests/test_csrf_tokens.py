"""A session's signed CSRF token remembered (webapp/csrf_tokens.py): Flask-WTF accepts it as
its own, it is refused in another session, a form without it is still refused, and with a time
limit on tokens every page signs afresh as before."""
import re
import time

from flask_wtf.csrf import ValidationError, validate_csrf

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _token(client, url):
    return TOKEN.search(client.raw.get(url).get_data(as_text=True)).group(1)


def _valid_in(client, token):
    """Whether Flask-WTF's own check accepts ``token`` in ``client``'s session."""
    cookie = client.raw.client.get_cookie("session").value
    with client.raw.app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        try:
            validate_csrf(token)
        except ValidationError:
            return False
        return True


def test_the_remembered_token_is_one_flask_wtf_accepts_and_only_in_its_session(county, client, make_client,
                                                                             monkeypatch):
    client.login("village1")
    first = _token(client, "/inbox")
    later = time.time() + 30
    monkeypatch.setattr(time, "time", lambda: later)  # Flask-WTF would sign another token now
    again = _token(client, "/password")
    assert first == again  # the second page reused the token signed for the first
    assert _valid_in(client, again)
    other = make_client()
    other.login("village2")
    assert _token(other, "/inbox") != again
    assert not _valid_in(other, again)
    # A POST with it goes through; without it, refused as before.
    assert client.raw.post("/language/en", data={"csrf_token": again, "next": "/inbox"}).status_code == 302
    assert client.raw.post("/language/en", data={"next": "/inbox"}).status_code == 400


def test_with_a_time_limit_every_page_signs_afresh(app, make_client, monkeypatch):
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    client = make_client()
    tokens = set()
    for tick in range(3):
        monkeypatch.setattr(time, "time", lambda tick=tick: 1_800_000_000 + tick * 10)
        tokens.add(_token(client, "/login"))
    assert len(tokens) == 3


def _signed_elsewhere(client, monkeypatch):
    """The session's token signed as another worker process signs it, a minute later."""
    from flask import session
    from itsdangerous import URLSafeTimedSerializer

    cookie = client.raw.client.get_cookie("session").value
    app = client.raw.app
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        raw = session["csrf_token"]
    later = time.time() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    return URLSafeTimedSerializer(app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key,
                                  salt="wtf-csrf-token").dumps(raw)


def test_a_post_is_checked_alike_whether_its_token_was_signed_here_or_elsewhere(county, client, make_client,
                                                                             monkeypatch):
    client.login("village1")
    mine = _token(client, "/inbox")  # signed by this process: accepted without unsigning it again
    other = make_client()
    other.login("village2")
    theirs = _token(other, "/inbox")

    def post(token):
        return client.raw.post("/language/en", data={"csrf_token": token, "next": "/inbox"}).status_code

    assert post(mine) == 302
    assert post(theirs) == 400  # another session's token
    assert post(mine[:-2] + ("AA" if not mine.endswith("AA") else "BB")) == 400  # its signature altered
    assert post("令牌") == 400
    assert post("") == 400
    # A token another worker process signed for this session (not remembered here) is Flask-WTF's to check.
    elsewhere = _signed_elsewhere(client, monkeypatch)
    assert elsewhere != mine and _valid_in(client, elsewhere)
    assert post(elsewhere) == 302
