"""The logged-in user of one request as plain values, read as one row: no ORM objects built.

Every request loads its user (auth/user_loading.py). Building the ORM ``User`` and its ``Area``
from the row (identity map, instance state, the joined eager load) cost more than reading the row;
the pages, the scoping rule and the audit only read a few columns. :class:`RequestUser` holds
those columns, :class:`RequestArea` the area's. Both answer everything else (a password check, a
relationship, a column not read here) from the ORM object, loaded on first such use, and a write
to a :class:`RequestUser` goes to the ORM object as well (so it is flushed as before): code written
for the ORM user keeps working, at the cost of one more statement on the rare page that needs it.

Nothing is kept across requests: the row is read on every request, so a deactivation, a role or
area change, or a password set by an administrator takes effect on the user's next request.
"""
from flask_login import UserMixin

from ..infra.row_views import RowView, by_id
from ..models import Area, User

# The columns read for every request (the statement is built from these in user_loading.py).
USER_FIELDS = ("id", "username", "display_name", "role", "area_id", "department", "active", "locale",
               "must_change_password")
AREA_FIELDS = ("id", "code", "name", "level", "kind", "parent_id")
_HELD = frozenset(USER_FIELDS + ("area",))  # what a RequestUser holds itself


class RequestArea(RowView):
    """The user's area as read with the user; other attributes come from the ORM ``Area``."""

    # The same rules as the model's (one definition: the model's property functions run on these values).
    county_code = Area.county_code
    township_code = Area.township_code

    def __init__(self, values):
        self._fill(AREA_FIELDS, values)

    _load = by_id(Area)

    def __eq__(self, other):
        if isinstance(other, (RequestArea, Area)):
            return self.id == other.id
        return NotImplemented

    def __hash__(self):
        return hash(("area", self.id))

    def __repr__(self):
        return f"<RequestArea {self.code} {self.name}>"


class RequestUser(RowView, UserMixin):
    """The logged-in user as read for this request (Flask-Login's user object).

    Equal to the ORM ``User`` of the same id (UserMixin compares ``get_id``). Unlike other row
    views it may be written: for writes and for what is not read with every request, ``orm()``
    is the ORM ``User`` (from the session's identity map, or loaded once)."""

    def __init__(self, values, area):
        self._fill(USER_FIELDS, values)
        object.__setattr__(self, "area", area)

    @property
    def is_active(self):
        return bool(self.active)

    def get_id(self):
        return str(self.id)

    _load = by_id(User)

    def __setattr__(self, name, value):
        # Written to the ORM user, which the session flushes; kept here too so this request reads it.
        setattr(self.orm(), name, value)
        if name in _HELD:
            object.__setattr__(self, name, value)

    __hash__ = UserMixin.__hash__

    def __repr__(self):
        return f"<RequestUser {self.username} {self.role}>"
