"""The request's own objects (webapp/request_context.py): the very objects behind Flask's proxies,
one per request, and a clear refusal (or None, where asked for) outside one."""
import pytest
from flask import current_app, g, request, session
from flask_login import current_user

from webapp.request_context import (
    request_globals, request_or_none, this_app, this_request, this_session, this_user)


def test_each_is_the_object_behind_its_proxy(app):
    with app.test_request_context("/inbox?view=team", method="POST"):
        assert this_request() is request_or_none() is request._get_current_object()
        assert this_request().method == "POST" and this_request().args["view"] == "team"
        assert this_app() is app is current_app._get_current_object()
        assert this_session() is session._get_current_object()
        request_globals().marker = "x"
        assert g.marker == "x"
        assert this_user() is current_user._get_current_object() and not this_user().is_authenticated
        first = this_request()
    with app.test_request_context("/inbox"):  # the next request is another object
        assert this_request() is not first and this_request().method == "GET"


def test_outside_a_request(app):
    assert request_or_none() is None
    with pytest.raises(RuntimeError):
        this_request()
    with app.app_context():  # an app context without a request: the app and g, no request
        assert this_app() is app and request_globals() is g._get_current_object()
        assert request_or_none() is None
        with pytest.raises(RuntimeError):
            this_session()
