"""The objects of the request being handled, each read once through Flask's context.

Flask's ``request``, ``session``, ``g``, ``current_app`` and Flask-Login's ``current_user`` are
proxies: every attribute read through one looks the context up again, and first fails on the proxy
itself (an AttributeError raised and caught inside werkzeug) before it reaches the object. On a
path that reads several attributes, or compares the request by identity (``memo.RequestKept``),
the object itself is taken once here and used directly. Each function needs the context it reads
(a request, or an app context for ``this_app`` and ``request_globals``) and raises RuntimeError
without it, as the proxy would; ``request_or_none`` is the one that asks first.
"""
from flask import current_app, g, has_request_context, request, session
from flask_login import current_user


def this_request():
    """The request being handled (Flask's ``request`` without its proxy)."""
    return request._get_current_object()


def request_or_none():
    """The request being handled, or None outside a request (the command line, a worker)."""
    return request._get_current_object() if has_request_context() else None


def this_app():
    """The application of the current app context (``current_app`` without its proxy)."""
    return current_app._get_current_object()


def this_session():
    """The request's session (Flask's ``session`` without its proxy)."""
    return session._get_current_object()


def request_globals():
    """The app context's ``g`` (without its proxy)."""
    return g._get_current_object()


def this_user():
    """The signed-in user, or the anonymous user (Flask-Login's ``current_user`` without its
    proxy): loaded on the request's first ask, the same object after."""
    return current_user._get_current_object()
