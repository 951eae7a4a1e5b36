"""Loading the logged-in user on every request, with the header's unread count in the same statement.

Every request with a session loads its user (Flask-Login's ``user_loader``): one statement built
once (with the user's area, which every page's header and every scoped query needs) and compiled
once per database dialect, run as compiled (not looked up in SQLAlchemy's compiled cache by its
cache key on every request). It selects plain columns, run on the session's connection,
and the user is a :class:`~webapp.auth.request_user.RequestUser` of those values: building the ORM
user and area from the row cost more than the statement (callgrind: bench/callgrind_pages.py). A page (a GET) also shows the number of unread messages
in its header; on a GET that number comes with the user as a column of the same statement, so a
page sends one statement fewer (a POST, which mostly answers with a redirect, loads the user
alone and counts only if it renders a page).

The count read with the user is kept in the request's database session for this request only
(``services.notifications.UNREAD_KEPT``), and is forgotten when the session writes messages
(the notification service's writers, an ORM flush of a message, an ORM bulk update or delete):
the header then counts again as before. Whether the user may log in (active) is decided from the
row read now, as before: nothing about the user is remembered across requests.
"""
from functools import lru_cache
from hashlib import sha512

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import Area, User
from ..request_context import request_globals, this_request
from ..services import known_users, notifications
from .request_user import AREA_FIELDS, USER_FIELDS, RequestArea, RequestUser

_USERS, _AREAS = User.__table__, Area.__table__
# Core columns of the two tables (not the ORM entities): the session's connection runs it as is.
_BY_ID = (select(*(_USERS.c[name] for name in USER_FIELDS), *(_AREAS.c[name] for name in AREA_FIELDS))
          .join_from(_USERS, _AREAS, _AREAS.c.id == _USERS.c.area_id)
          .where(_USERS.c.id == bindparam("user_id")))
_BY_ID_WITH_UNREAD = _BY_ID.add_columns(notifications.UNREAD_OF_USER)
_AREA_END = len(USER_FIELDS) + len(AREA_FIELDS)
_ACTIVE = USER_FIELDS.index("active")
_PAGE_METHODS = ("GET", "HEAD")


def load_user(user_id):
    """The active user with id ``user_id`` (a string from the session) and their area, else None."""
    params = {"user_id": int(user_id)}
    current_request = this_request()
    page = current_request.method in _PAGE_METHODS
    # The session's connection (its transaction, as session.execute would use): a Core statement
    # through session.execute still pays the ORM's execution path.
    session = db.session()  # the request's session itself: the scoped proxy looks it up on every use
    connection = session.connection()
    row = connection.execute(_compiled(_BY_ID_WITH_UNREAD if page else _BY_ID, connection.dialect), params).first()
    if row is None or not row[_ACTIVE]:
        return None
    user = RequestUser(row, RequestArea(row[len(USER_FIELDS):_AREA_END]))
    unread = row[_AREA_END] if page else None
    # The user's language as loaded, where webapp.select_locale looks first.
    request_globals()._user_locale = user.locale or ""
    known_users.keep(session, current_request, user)  # a service asking whether it is active
    if unread is not None:
        # For this request only: a test's requests may share one app context and its session.
        notifications.UNREAD_KEPT.keep(session, current_request, user.id, unread)
    return user


@lru_cache(maxsize=8)  # two statements per database dialect
def _compiled(statement, dialect):
    # Compiled once per dialect and run as compiled: through SQLAlchemy's compiled cache, every
    # request looked the statement up again by its cache key, a nested tuple of its ~20 columns,
    # join and subquery hashed anew each time (about 3 % of a signed-in request that renders
    # nothing, counted by callgrind). The SQL, its parameters and its row are the same.
    return statement.compile(dialect=dialect)


def unread_count(user):
    """How many unread messages ``user`` has: the count read with the user when this request has
    written no message since, else counted now (``services.notifications.unread_count``)."""
    kept = notifications.UNREAD_KEPT.kept(db.session, this_request(), user.id)
    return kept if kept is not None else notifications.unread_count(user)


def session_identifier():
    """Flask-Login's session protection identifier (a hash of the client's address and user agent,
    compared with the session's on every request), the same value, hashed once per client."""
    environ = this_request().environ
    # What Flask-Login's _create_identifier reads (request.headers and remote_addr are these keys).
    return _identifier_of(environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR")),
                          environ.get("HTTP_USER_AGENT"))


@lru_cache(maxsize=256)  # clients seen lately; a header is at most a few kB
def _identifier_of(address, user_agent):
    # Flask-Login's _create_identifier to the letter (bytes reprs included), on the two values it
    # reads: tests/test_request_user.py compares the two. About 3 % of a logged-in request that
    # renders nothing went to building it afresh (bench/profile_overhead.py).
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    if user_agent is not None:
        user_agent = user_agent.encode("utf-8")
    return sha512(f"{address}|{user_agent}".encode("utf8")).hexdigest()


def install(app, login_manager):
    """Load ``app``'s users through ``load_user``; session protection through ``session_identifier``."""
    login_manager.user_loader(load_user)
    login_manager._session_identifier_generator = session_identifier
