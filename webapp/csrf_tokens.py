"""A session's CSRF token signed once per process, not again on every page.

Flask-WTF puts in every form the session's random token signed with the time (itsdangerous: a
serializer, a signer and two HMACs, about 20 µs), the first time a request asks for it (a form
object, or ``csrf_token()`` in base.html), and keeps it on ``g`` for the rest of the request.
With no time limit on tokens (``WTF_CSRF_TIME_LIMIT = None``, config.py) a token signed earlier
for the same session token and key is exactly as valid as a new one. So the signed token is
remembered per (key, session token), and a request of that session starts with it on ``g``,
where Flask-WTF looks first. Checking a submitted token is Flask-WTF's own, unchanged; with a time
limit set, every request signs afresh as before.

A submitted token is checked the same way round: a token equal to the one remembered for the
session's own token (signed by this process for it, with the same key, and no time limit) is what
Flask-WTF's check would accept, so :class:`CSRFProtect` accepts it without unsigning it again
(a serializer built, base64, JSON and an HMAC: a tenth of a form save's own work). Any other token
(another process's, a forged or stale one, none) goes through Flask-WTF's check unchanged, and the
referrer check of HTTPS requests runs either way.

The session is read without marking it accessed (no ``Vary: Cookie`` added to a response that
did not read the session before). The store is a bounded memo (webapp/memo.py: the oldest go
first, safe under threads).
"""
import hmac

from flask import request, session
from flask_wtf import csrf as flask_wtf_csrf
from flask_wtf.csrf import same_origin

from .memo import Memo
from .request_context import request_globals, this_app, this_session

_MAX_TOKENS = 10_000
_signed = Memo(_MAX_TOKENS)


def _names(app):
    return app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _session_token(field):
    # dict.get: the session's own get() would mark it accessed
    return dict.get(this_session(), field)


def install(app):
    """Give ``app``'s requests the signed CSRF token their session already had signed."""
    @app.before_request
    def reuse_signed_csrf_token():
        if app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            key, field = _names(app)
            raw = _session_token(field)
            signed = _signed.get((key, raw)) if raw else None
            if signed is not None:
                setattr(request_globals(), field, signed)

    @app.after_request
    def remember_signed_csrf_token(response):
        if app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            key, field = _names(app)
            signed, raw = request_globals().get(field), _session_token(field)
            if signed and raw and (key, raw) not in _signed:
                _signed.put((key, raw), signed)
        return response


class CSRFProtect(flask_wtf_csrf.CSRFProtect):
    """Flask-WTF's CSRF protection, accepting a token this process signed for the session without
    checking its signature again (see the module's docstring)."""

    def protect(self):
        """Flask-WTF's ``protect``: refuse the request unless its token is valid."""
        app = this_app()
        if request.method not in app.config["WTF_CSRF_METHODS"] or not _known_token(app, self._get_csrf_token()):
            return super().protect()
        # What Flask-WTF's protect does after a valid token.
        if request.is_secure and app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        request_globals().csrf_valid = True
        return None


def _known_token(app, submitted):
    """Whether ``submitted`` is the signed token remembered for the session's token (no time limit)."""
    if not submitted or app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return False
    key, field = _names(app)
    raw = session.get(field)  # read as Flask-WTF's check reads it (the session marked accessed)
    signed = _signed.get((key, raw)) if raw else None
    # (compare_digest refuses str with other than ASCII: such a token is Flask-WTF's to refuse)
    return signed is not None and submitted.isascii() and hmac.compare_digest(signed, submitted)
