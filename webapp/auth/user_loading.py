"""Loading the logged-in user on every request, with the header's unread count in the same statement.

Every request with a session loads its user (Flask-Login's ``user_loader``): one statement built
once (with the user's area, which every page's header and every scoped query needs), so
SQLAlchemy's compiled cache answers it. A page (a GET) also shows the number of unread messages
in its header; on a GET that number comes with the user as a column of the same statement, so a
page sends one statement fewer (a POST, which mostly answers with a redirect, loads the user
alone and counts only if it renders a page).

The count read with the user stands for a fresh count only while this request has written
nothing that could change the messages: any statement other than a SELECT or a plain INSERT into
another table, on any engine (a flush, a bulk update, a write through the connection), forgets
it, and the header counts again as before. It is kept on ``g`` with the request it was read in,
never beyond it. Whether the user may log in (active) is decided from the row read now, as
before: nothing about the user is remembered across requests.
"""
from flask import g, has_app_context, request
from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Engine

from ..extensions import db
from ..models import Notification, User
from ..services import notifications

_BY_ID = select(User).options(db.joinedload(User.area)).where(User.id == bindparam("user_id"))
_BY_ID_WITH_UNREAD = _BY_ID.add_columns(notifications.UNREAD_OF_USER)
_PAGE_METHODS = ("GET", "HEAD")
_KEPT = "_unread_read_with_user"  # on g: (request, user id, count)
_INSERT_INTO_MESSAGES = f"INSERT INTO {Notification.__tablename__}"


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
        setattr(g, _KEPT, (current_request, user.id, unread))
    return user


def unread_count(user):
    """How many unread messages ``user`` has: the count read with the user when this request has
    written nothing since, else counted now (``services.notifications.unread_count``)."""
    kept = g.get(_KEPT)
    if kept is not None and kept[1] == user.id and kept[0] is request._get_current_object():
        return kept[2]
    return notifications.unread_count(user)


def _forget_after_write(conn, cursor, statement, parameters, context, executemany):
    # A SELECT, or a plain INSERT into another table (an audit record of a page view), changes no
    # message: the schema has no triggers (pinned by a test). Anything else may have (an update,
    # a delete that cascades, an insert into the messages, a savepoint): count again.
    if not (statement.startswith("SELECT") or (statement.startswith("INSERT INTO ")
                                               and not statement.startswith(_INSERT_INTO_MESSAGES))):
        if has_app_context():
            g.pop(_KEPT, None)
    return statement, parameters  # retval: called directly, without SQLAlchemy's wrapper


def install(app, login_manager):
    """Load ``app``'s users through ``load_user``; watch every engine for writes (once per process)."""
    login_manager.user_loader(load_user)
    if not event.contains(Engine, "before_cursor_execute", _forget_after_write):
        event.listen(Engine, "before_cursor_execute", _forget_after_write, retval=True)
