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

Writing a cookie (a flash message set or shown: a task's completion and the page after it) cost about
a tenth of such a request: the tagged JSON, its compression and base64, a new signer deriving its
key, the HMAC. A session's contents repeat (the log-in's keys, with or without the same message),
so the payload of contents already written is kept, and the signing key is derived once per
serializer: the cookie is then the payload, the time and one HMAC, byte for byte what Flask writes.
Under several worker processes the page after a save is mostly served by another worker than the
save: a new cookie whose payload this process has written or read before (the user's session
without the message) is opened from it after itsdangerous's own checks (the newest key's HMAC,
the age); any other goes through Flask's check.

Only contents whose values are plain (strings, numbers, booleans, None, and lists of tuples of
those: the flash messages) are remembered, copied on the way out so no request can change what
another gets; the stores are bounded memos (webapp/memo.py: the oldest go first, safe under threads).

A request that writes no cookie (its session unchanged) only gets Flask's ``Vary: Cookie`` when it
read the session, without Flask's reading of the cookie settings that only a written cookie uses.

The session cookie is taken from the request's Cookie header parsed once per header string
(werkzeug's ``request.cookies`` walks the whole WSGI environment and parses the header again on
every request), with the same outcome.
"""
import hmac
import time
from functools import lru_cache

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadData, BadSignature
from itsdangerous.signer import HMACAlgorithm
from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes, want_bytes
from werkzeug.http import parse_cookie

from .memo import Memo

_MAX_COOKIES = 4_096  # per secret key
_MAX_PAYLOADS = 4_096  # per secret key: each user's session contents, with or without a message
_PLAIN = (str, int, bool, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's ``SecureCookieSessionInterface``, remembering the cookies it has checked or signed."""

    def __init__(self):
        self._by_keys = Memo(8)  # (secret key, fallbacks) -> (_KeptSerializer, Memo {cookie: (signed at, contents)})

    def _kept(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._by_keys.get(keys)
        if kept is None:
            serializer = super().get_signing_serializer(app)
            if serializer is None:
                return None, None
            opened = Memo(_MAX_COOKIES)
            kept = self._by_keys.put(keys, (_KeptSerializer(serializer, opened), opened))
        return kept

    def get_signing_serializer(self, app):
        """Flask's serializer for ``app``'s secret keys, built once per set of keys (its ``dumps``
        through :class:`_KeptSerializer`)."""
        return self._kept(app)[0]

    def open_session(self, app, request):
        """The session of ``request``'s cookie, as Flask opens it."""
        serializer, opened = self._kept(app)
        if serializer is None:
            return None
        value = _cookie_value(request.environ.get("HTTP_COOKIE") or "", self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = opened.get(value)
        if kept is not None:
            age = int(time.time()) - kept[0]  # itsdangerous: refused when older than max_age or dated ahead
            if 0 <= age <= max_age:
                return self.session_class(_thawed(kept[1]))
        known = serializer.known(value, max_age)
        if known is not None:
            data, signed_at = known
        else:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            signed_at = int(signed_at.timestamp())
            serializer.learn(value, data)
        _remember(opened, value, signed_at, data)
        return self.session_class(data)

    def save_session(self, app, session, response):
        """Flask's ``save_session``. A request whose session writes no cookie (most) only gets
        ``Vary: Cookie`` when it read the session, as Flask's gives it, without Flask reading the
        seven cookie settings first and parsing the response's Vary header into a set."""
        if self.should_set_cookie(app, session):
            return super().save_session(app, session, response)
        if session.accessed:
            headers = response.headers
            if "Vary" in headers:
                response.vary.add("Cookie")
            else:
                headers["Vary"] = "Cookie"  # what the set of one name writes
        return None


_LONG_HEADER = 4096  # a longer Cookie header (not this app's: its cookie is a few hundred bytes) is not remembered


def _cookie_value(header, name):
    """werkzeug's ``request.cookies.get(name)`` for the WSGI Cookie header ``header`` (HTTP_COOKIE,
    "" when absent), parsed as it parses it; a header seen lately is not parsed again."""
    if len(header) > _LONG_HEADER:
        return parse_cookie(header).get(name)
    return _cookie_of(header, name)


@lru_cache(maxsize=1024)  # a client's Cookie header repeats until its session changes
def _cookie_of(header, name):
    return parse_cookie(header).get(name)


class _KeptSerializer:
    """Flask's session serializer: ``loads`` is its own; ``dumps`` writes the same cookie with the
    signing key derived once and the payload of contents written before reused, and remembers the
    cookie it wrote (Flask's ``save_session`` signs through it)."""

    def __init__(self, serializer, opened):
        self._serializer, self._opened = serializer, opened
        self._payloads, self._contents = Memo(_MAX_PAYLOADS), Memo(_MAX_PAYLOADS)  # contents -> payload written; payload -> contents
        self._signer = signer = serializer.make_signer()  # the newest key and the session's salt, as dumps signs
        self._key = signer.derive_key()
        # The HMAC in one call of OpenSSL's (hmac.digest by the hash's name): itsdangerous passes a
        # function as the hash, which makes Python's hmac module compute it step by step.
        algorithm = signer.algorithm
        self._digest = (algorithm.digest_method().name if type(algorithm) is HMACAlgorithm else None)

    def loads(self, *args, **kwargs):
        """Flask's serializer's ``loads``."""
        return self._serializer.loads(*args, **kwargs)

    def known(self, cookie, max_age):
        """(a copy of the contents, the signing time) of ``cookie`` when its payload was written or
        read before and it is signed with the newest key no more than ``max_age`` seconds ago (the
        checks of ``loads``, in its order of keys); else None, and ``loads`` decides. Another worker
        process's new cookie (one of a flash message) has contents this one has seen."""
        sep = self._signer.sep
        try:
            value, signature = want_bytes(cookie).rsplit(sep, 1)
            payload, stamp = value.rsplit(sep, 1)
            contents = self._contents.get(payload)
            if contents is None or self._digest is None:
                return None
            signed_at, signature = bytes_to_int(base64_decode(stamp)), base64_decode(signature)
        except (ValueError, BadData):
            return None
        if not hmac.compare_digest(signature, hmac.digest(self._key, value, self._digest)):
            return None
        if not 0 <= self._signer.get_timestamp() - signed_at <= max_age:
            return None
        return _thawed(contents), signed_at

    def learn(self, cookie, data):
        """Remember the contents ``data`` that ``loads`` read from ``cookie``, by its payload."""
        self._keep_payload(want_bytes(cookie).rsplit(self._signer.sep, 2)[0], data)

    def _keep_payload(self, payload, data):
        if _plain(data):
            self._contents.put(payload, _thawed(data))

    def dumps(self, data):
        """The cookie Flask's serializer writes for the session contents ``data`` now."""
        contents = _contents_key(data)
        payload = self._payloads.get(contents) if contents is not None else None
        if payload is None:
            payload = want_bytes(self._serializer.dump_payload(data))
            if contents is not None:
                self._payloads.put(contents, payload)
            self._keep_payload(payload, data)
        signer = self._signer
        signed_at = signer.get_timestamp()
        value = payload + signer.sep + base64_encode(int_to_bytes(signed_at))
        signature = (hmac.digest(self._key, value, self._digest) if self._digest
                     else signer.algorithm.get_signature(self._key, value))
        cookie = (value + signer.sep + base64_encode(signature)).decode()
        _remember(self._opened, cookie, signed_at, data)
        return cookie


def _contents_key(data):
    """``data`` as a key naming its payload (each value with its type: True and 1 write apart), or
    None when it holds anything but plain values."""
    if not _plain(data):
        return None
    return tuple((name, tuple(tuple((type(part), part) for part in entry) for entry in item))
                 if type(item) is list else (name, type(item), item) for name, item in data.items())


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
