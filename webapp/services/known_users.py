"""Staff accounts the current request has read already, so a service need not load them again.

The request's user is read as plain values (webapp/auth/user_loading.py), not as an ORM ``User``
in the session's identity map. A service that follows a relationship to that same user (a case's
visitor is mostly the assistant finishing the visit) would then load it with a statement of its
own; ``active`` answers from the values read for this request instead. Kept in the database
session's info with the request it belongs to (a test's requests may share one session), like the
unread count (services/notifications.py).
"""
from flask import has_request_context, request
from sqlalchemy.orm.util import identity_key

from ..extensions import db
from ..models import User

_KEY = "request_user"


def keep(session, owner, user):
    """Remember ``user`` (the request's user, with ``id`` and ``active``) in ``session`` for ``owner``."""
    session.info[_KEY] = (owner, user)


def active(user_id):
    """Whether staff account ``user_id`` is active, when this request knows without a statement
    (an ORM user in the session, else the request's user), else None."""
    session = db.session()
    loaded = session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:  # the ORM object, with any change this request made to it
        return bool(loaded.active)
    kept = session.info.get(_KEY)
    if kept is not None and has_request_context() and kept[0] is request._get_current_object() \
            and kept[1].id == user_id:
        return bool(kept[1].active)
    return None
