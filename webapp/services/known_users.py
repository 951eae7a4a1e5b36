"""Staff accounts the current request has read already, so a service need not load them again.

The request's user is read as plain values (webapp/auth/user_loading.py), not as an ORM ``User``
in the session's identity map. A service that follows a relationship to that same user (a case's
visitor is mostly the assistant finishing the visit) would then load it with a statement of its
own; ``active`` answers from the values read for this request instead. Kept in the database
session for the request it belongs to (webapp/memo.py's RequestKept, like the unread count of
services/notifications.py), and forgotten when the session may write accounts (a statement
writing user_account, SQL text, an ORM flush of a user).
"""
from sqlalchemy.orm.util import identity_key

from ..extensions import db
from ..memo import RequestKept
from ..models import User
from ..request_context import request_or_none

_KEPT = RequestKept("request_user", User)


def keep(session, owner, user):
    """Remember ``user`` (the request's user, with ``id`` and ``active``) in ``session`` for ``owner``."""
    _KEPT.keep(session, owner, user.id, bool(user.active))


def active(user_id):
    """Whether staff account ``user_id`` is active, when this request knows without a statement
    (an ORM user in the session, else the request's user), else None."""
    session = db.session()
    loaded = session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:  # the ORM object, with any change this request made to it
        return bool(loaded.active)
    return _KEPT.kept(session, request_or_none(), user_id)  # (None outside a request)
