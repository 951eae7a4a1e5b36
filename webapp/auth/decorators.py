"""Access checks for views: one decorator each, so every blueprint asks the same question."""
from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS

from ..request_context import this_app, this_request, this_user


def login_required(view):
    """Let only logged-in users through; others get the log-in manager's answer (the log-in page),
    as Flask-Login's ``login_required`` decides (tests/test_login_required.py compares the two).
    The request, the app and the user are each read once, not through their proxies: Flask-Login's
    decorator read them five times that way, each a failed lookup on the proxy first (about 30,000
    instructions of every signed-in request, bench/callgrind_pages.py)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        app = this_app()
        if (this_request().method not in EXEMPT_METHODS and not app.config.get("LOGIN_DISABLED")
                and not this_user().is_authenticated):
            return app.login_manager.unauthorized()
        return app.ensure_sync(view)(*args, **kwargs)
    return wrapped


def roles_required(*roles):
    """Let only logged-in users with one of ``roles`` through; others get 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


admin_required = roles_required("admin")
