"""Loading the logged-in user on every request, with the header's unread count in the same statement.

Every request with a session loads its user (Flask-Login's ``user_loader``): one statement built
once (with the user's area, which every page's header and every scoped query needs), so
SQLAlchemy's compiled cache answers it. A page (a GET) also shows the number of unread messages
in its header; on a GET that number comes with the user as a column of the same statement, so a
page sends one statement fewer (a POST, which mostly answers with a redirect, loads the user
alone and counts only if it renders a page).

The count read with the user is kept in the request's database session for this request only
(``services.notifications.keep_unread``), and is forgotten when the session writes messages
(the notification service's writers, an ORM flush of a message, an ORM bulk update or delete):
the header then counts again as before. Whether the user may log in (active) is decided from the
row read now, as before: nothing about the user is remembered across requests.
"""
from flask import g, request
from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import User
from ..services import notifications

_BY_ID = select(User).options(db.joinedload(User.area)).where(User.id == bindparam("user_id"))
_BY_ID_WITH_UNREAD = _BY_ID.add_columns(notifications.UNREAD_OF_USER)
_PAGE_METHODS = ("GET", "HEAD")


def load_user(user_id):
    """The active user with id ``user_id`` (a string from the session) and their area, else None."""
    params = {"user_id": int(user_id)}
    unread, current_request = None, request._get_current_object()
    if current_request.method in _PAGE_METHODS:
        row = db.session.execute(_BY_ID_WITH_UNREAD, params).one_or_none()
        user, unread = row if row is not None else (None, None)
    else:
        user = db.session.execute(_BY_ID, params).scalar_one_or_none()
    if user is None or not user.active:
        return None
    # The user's language as loaded (webapp.select_locale): after a commit the user object is
    # expired, and asking it again would load the user a second time in the same request.
    g._user_locale = user.locale or ""
    if unread is not None:
        # For this request only: a test's requests may share one app context and its session.
        notifications.keep_unread(db.session, current_request, user.id, unread)
    return user


def unread_count(user):
    """How many unread messages ``user`` has: the count read with the user when this request has
    written no message since, else counted now (``services.notifications.unread_count``)."""
    kept = notifications.kept_unread(db.session, request._get_current_object(), user.id)
    return kept if kept is not None else notifications.unread_count(user)


def install(app, login_manager):
    """Load ``app``'s users through ``load_user``."""
    login_manager.user_loader(load_user)
