"""A bounded per-process memo: what a process remembers, at most so many entries.

Every per-process cache of a busy path keeps its entries here, so there is one eviction policy:
storing into a full memo drops the entry stored longest ago (a key stored again counts as new).
Unlike forgetting everything at once when full, a busy process keeps most of what it has; the
order is an ``OrderedDict``'s, so dropping the oldest costs the same however many went before.

Safe under threads (gunicorn's gthread workers): a lookup is one call of the dict's own ``get``,
atomic under the GIL (the bound method itself, no Python wrapper: about 15 ns more than a plain
dict's ``get``); storing, taking and clearing hold a lock, so the bound holds whatever threads do
at once.
"""
import threading
from collections import OrderedDict


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
