"""What a process remembers (``Memo``), and what a request remembers (``RequestKept``).

``Memo`` is a bounded per-process memo: at most so many entries.

Every per-process cache of a busy path keeps its entries here, so there is one eviction policy:
storing into a full memo drops the entry stored longest ago (a key stored again counts as new).
Unlike forgetting everything at once when full, a busy process keeps most of what it has; the
order is an ``OrderedDict``'s, so dropping the oldest costs the same however many went before.

Safe under threads (gunicorn's gthread workers): a lookup is one call of the dict's own ``get``,
atomic under the GIL (the bound method itself, no Python wrapper: about 15 ns more than a plain
dict's ``get``); storing, taking and clearing hold a lock, so the bound holds whatever threads do
at once.

``RequestKept`` is what a request remembers: values kept for the request being handled only
(``request_context.request_or_none()``), by key, in the database session's info, where they end with the session
(the request's, or its app context's), tagged with the request they belong to: a test's requests
may share one app context and its session, and a session holding another request's values gives
a new, empty set. The session is the app context's, so one thread's; nothing is shared between
threads. Two uses: a value read along with something else (the request's user load,
webapp/auth/user_loading.py: the unread count, services/notifications.py; the user's account,
services/known_users.py), and what a request asks several times of what never changes (a
diagram version's steps, webapp/form_kinds.py).

Values of ``classes`` (mapped classes) are forgotten whenever the session may write what they were
read from: a statement run through the session that is not a SELECT and writes one of their tables
or may write anywhere (SQL text: an upsert), and an ORM flush of an object of those classes. Only
the ORM session is watched, not every statement of every engine: a statement sent on the raw
connection is not seen, so those tables are written through the session only. The events are
registered by ``install`` (from create_app), not when this module is imported.
"""
import threading
from collections import OrderedDict
from itertools import chain

from sqlalchemy.orm import Session

from .infra.listeners import listen_once


class Memo:
    """At most ``limit`` entries; ``put`` into a full one drops the oldest stored (see module)."""

    __slots__ = ("limit", "get", "_entries", "_lock")

    def __init__(self, limit):
        self.limit = limit
        self._entries = OrderedDict()
        self._lock = threading.Lock()
        # memo.get(key, default=None): the OrderedDict's own C method, bound once.
        self.get = self._entries.get

    def put(self, key, value, limit=None):
        """Remember ``value`` for ``key`` as the newest entry, then drop the oldest beyond ``limit``
        (the memo's own when not given; 0 keeps nothing); returns ``value``."""
        limit = self.limit if limit is None else limit
        entries = self._entries
        with self._lock:
            entries.pop(key, None)
            # Room first, then the entry: a reader (no lock) never sees more than ``limit``.
            while entries and len(entries) >= limit:
                entries.popitem(last=False)
            if limit > 0:
                entries[key] = value
        return value

    def pop(self, key, default=None):
        """Forget ``key`` and return what it had (``default`` when nothing): the caller's now."""
        with self._lock:
            return self._entries.pop(key, default)

    def clear(self):
        """Forget everything."""
        with self._lock:
            self._entries.clear()

    def snapshot(self):
        """A plain dict copy of the entries, oldest first (for inspection: tests, diagnostics)."""
        with self._lock:
            return dict(self._entries)

    def __len__(self):
        return len(self._entries)

    def __contains__(self, key):
        return key in self._entries


class RequestKept:
    """Values kept in a database session for one request (their owner), by key; forgotten when the
    session may write the tables of ``classes`` (mapped classes; none: what never changes). See
    the module."""

    __slots__ = ("name", "classes", "tables")

    def __init__(self, name, *classes):
        self.name = name  # its key in the session's info
        self.classes = classes
        self.tables = frozenset(cls.__table__.name for cls in classes)
        if classes:  # watched once ``install`` has registered the events
            _WATCHED.append(self)

    def values(self, session, owner):
        """The values kept in ``session`` (a session or the scoped session) for ``owner``, the
        request being handled (``request_context.request_or_none()``), as a dict by key to read and add to: a new one
        when the session holds another request's; outside a request (None) a new one kept nowhere.
        Values of ``classes`` go through ``keep`` and ``kept``: a dict held across a forgetting
        write would not see it."""
        if owner is None:
            return {}
        info = session.info
        held = info.get(self.name)
        if held is None or held[0] is not owner:
            held = info[self.name] = (owner, {})
        return held[1]

    def keep(self, session, owner, key, value):
        """Keep ``value`` for ``owner`` (a request) and ``key`` in ``session``."""
        self.values(session, owner)[key] = value

    def kept(self, session, owner, key):
        """The value kept for ``owner`` and ``key`` in ``session`` if nothing may have written it
        since, else None."""
        held = session.info.get(self.name)
        if held is not None and held[0] is owner:
            return held[1].get(key)
        return None

    def _written_by(self, statement):
        # An INSERT, UPDATE or DELETE names its table; anything else (text) may write anywhere.
        return not statement.is_dml or getattr(statement.table, "name", None) in self.tables


_WATCHED = []  # every RequestKept of some classes; the events below are shared (one listener of each)


def install():
    """Forget kept values whenever a database session may write them (the events below); once per
    process however often it is called (``create_app``)."""
    listen_once(Session, (("do_orm_execute", _after_statement), ("after_flush", _after_flush)))


def _after_statement(state):
    if state.is_select:
        return
    info = state.session.info
    for kept in _WATCHED:
        if kept.name in info and kept._written_by(state.statement):
            del info[kept.name]


def _after_flush(session, flush_context):
    # Still the flush's own lists here: an object added, changed or deleted through the ORM.
    info = session.info
    watched = [kept for kept in _WATCHED if kept.name in info]
    if watched:
        for obj in chain(session.new, session.dirty, session.deleted):
            for kept in watched:
                if isinstance(obj, kept.classes):
                    info.pop(kept.name, None)
