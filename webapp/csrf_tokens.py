"""A session's CSRF token signed once per process, not again on every page.

Flask-WTF puts in every form the session's random token signed with the time (itsdangerous: a
serializer, a signer and two HMACs, about 20 µs), the first time a request asks for it (a form
object, or ``csrf_token()`` in base.html), and keeps it on ``g`` for the rest of the request.
With no time limit on tokens (``WTF_CSRF_TIME_LIMIT = None``, config.py) a token signed earlier
for the same session token and key is exactly as valid as a new one. So the signed token is
remembered per (key, session token), and a request of that session starts with it on ``g``,
where Flask-WTF looks first. Checking a submitted token is Flask-WTF's own, unchanged; with a time
limit set, every request signs afresh as before.

The session is read without marking it accessed (no ``Vary: Cookie`` added to a response that
did not read the session before). The store is a bounded memo (webapp/memo.py: the oldest go
first, safe under threads).
"""
from flask import g, session

from .memo import Memo

_MAX_TOKENS = 10_000
_signed = Memo(_MAX_TOKENS)


def _names(app):
    return app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key, app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _session_token(field):
    # dict.get: the session's own get() would mark it accessed
    return dict.get(session._get_current_object(), field)


def install(app):
    """Give ``app``'s requests the signed CSRF token their session already had signed."""
    @app.before_request
    def reuse_signed_csrf_token():
        if app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            key, field = _names(app)
            raw = _session_token(field)
            signed = _signed.get((key, raw)) if raw else None
            if signed is not None:
                setattr(g, field, signed)

    @app.after_request
    def remember_signed_csrf_token(response):
        if app.config.get("WTF_CSRF_TIME_LIMIT") is None:
            key, field = _names(app)
            signed, raw = g.get(field), _session_token(field)
            if signed and raw and (key, raw) not in _signed:
                _signed.put((key, raw), signed)
        return response
