"""Flask's signed session cookie, with a cookie already checked in this process not checked again.

Every request opens the session cookie: Flask builds a new serializer and signer (deriving the
key with one HMAC), checks the signature (another HMAC), decodes and untags the JSON. A browser
sends the same cookie request after request, and it changes only when the session does (a flash
message set or shown, a log-in, the language). So each serializer (one per secret key and its
fallbacks) is built once, and a cookie it has opened or written is remembered with its contents
and signing time: the same cookie string again is answered from there, as long as it is still
within the session's lifetime, measured as itsdangerous measures it. Anything else (another
string, an altered or forged cookie, a changed key, an expired cookie) goes through Flask's own
check. The cookie's format, signature and contents are Flask's, unchanged.

Only contents whose values are plain (strings, numbers, booleans, None, and lists of tuples of
those: the flash messages) are remembered, copied on the way out so no request can change what
another gets; the stores are bounded memos (webapp/memo.py: the oldest go first, safe under threads).
"""
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature
from itsdangerous.encoding import base64_decode, bytes_to_int

from .memo import Memo

_MAX_COOKIES = 4_096  # per secret key
_PLAIN = (str, int, bool, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's ``SecureCookieSessionInterface``, remembering the cookies it has checked or signed."""

    def __init__(self):
        self._by_keys = Memo(8)  # (secret key, fallbacks) -> (serializer, Memo {cookie: (signed at, contents)})

    def _kept(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._by_keys.get(keys)
        if kept is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None, None
            kept = self._by_keys.put(keys, (serializer, Memo(_MAX_COOKIES)))
        return kept

    def get_signing_serializer(self, app):
        """Flask's serializer for ``app``'s secret keys, built once per set of keys."""
        return self._kept(app)[0]

    def open_session(self, app, request):
        """The session of ``request``'s cookie, as Flask opens it."""
        serializer, opened = self._kept(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = opened.get(value)
        if kept is not None:
            age = int(time.time()) - kept[0]  # itsdangerous: refused when older than max_age or dated ahead
            if 0 <= age <= max_age:
                return self.session_class(_thawed(kept[1]))
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        _remember(opened, value, int(signed_at.timestamp()), data)
        return self.session_class(data)

    def save_session(self, app, session, response):
        """Write the cookie as Flask does, and remember the one just signed."""
        super().save_session(app, session, response)
        if not session or not self.should_set_cookie(app, session):
            return
        serializer, opened = self._kept(app)
        value, name = "", self.get_cookie_name(app) + "="
        for header in response.headers.getlist("Set-Cookie"):
            if header.startswith(name):
                value = header[len(name):].split(";", 1)[0]
        if value.count(".") >= 2:  # payload.timestamp.signature, the timestamp signed with it
            _remember(opened, value, bytes_to_int(base64_decode(value.rsplit(".", 2)[1])), dict(session))


def _plain(data):
    for item in data.values():
        if type(item) is list:
            if not all(type(entry) is tuple and all(type(part) in _PLAIN for part in entry) for entry in item):
                return False
        elif type(item) not in _PLAIN:
            return False
    return True


def _thawed(data):
    return {name: list(item) if type(item) is list else item for name, item in data.items()}


def _remember(opened, value, signed_at, data):
    if _plain(data):
        opened.put(value, (signed_at, _thawed(data)))


def install(app):
    """Open and write ``app``'s session cookies through :class:`SessionInterface`."""
    app.session_interface = SessionInterface()
