"""The application's clock, injectable for tests and for every process at once.

Normally it is the system clock. Setting ``APP_CLOCK_FILE`` to a file holding an ISO 8601 UTC
time makes every process (web, workers) read that time instead, so tests can move time
forward without sleeping. ``set_now`` does the same within one process.

The variable is read once per process, at the first reading of the clock: a lookup of a name
the environment does not hold raises and catches a KeyError inside ``os.environ.get``, three
times the cost of the system clock itself, and a completion reads the clock about fifteen times.
A test that sets the variable in its own process after that tells the clock (``use_file``).
"""
import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"

_override = None
_UNREAD = object()
_file = _UNREAD  # APP_CLOCK_FILE's value (None when unset), once read


def now():
    """The current time as an aware UTC datetime."""
    if _override is not None:
        return _override
    path = _file
    if path is _UNREAD:
        path = use_file(os.environ.get("APP_CLOCK_FILE"))
    if path:
        try:
            with open(path) as handle:
                text = handle.read().strip()
        except FileNotFoundError:
            text = ""
        if text:
            value = datetime.fromisoformat(text)
            return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def utcnow_naive():
    """The current UTC time without tzinfo, the form the database stores."""
    return now().replace(tzinfo=None)


def set_now(value):
    """Freeze this process's clock at ``value`` (an aware datetime), or unfreeze with None."""
    global _override
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    _override = value


def use_file(path):
    """Read the time from the file ``path`` from now on (None: the system clock); returns ``path``.

    What the clock does once APP_CLOCK_FILE is read: a process that sets the variable after its
    first reading of the clock calls this too (its workers read the variable when they start).
    """
    global _file
    _file = path
    return path


def clock_file():
    """The file the clock reads the time from (None: the system clock), as ``use_file`` takes it."""
    return _file if _file is not _UNREAD else os.environ.get("APP_CLOCK_FILE")


def frozen_at():
    """The time this process's clock is frozen at (``set_now``), or None."""
    return _override


def local_zone():
    """The campaign's time zone: the BABEL_DEFAULT_TIMEZONE setting (Asia/Shanghai by default)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def to_local(value):
    """A stored (naive UTC) datetime as an aware datetime in the campaign's time zone."""
    return value.replace(tzinfo=timezone.utc).astimezone(local_zone())


def to_utc(value):
    """A naive local wall-clock datetime (typed into a form) as the naive UTC the database stores."""
    return value.replace(tzinfo=local_zone()).astimezone(timezone.utc).replace(tzinfo=None)


def local_today():
    """Today where the campaign is, not where the server is (the system clock, as dates are typed)."""
    return datetime.now(local_zone()).date()
