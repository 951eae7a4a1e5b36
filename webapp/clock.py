"""The application's clock, injectable for tests and for every process at once.

Normally it is the system clock. Setting ``APP_CLOCK_FILE`` to a file holding an ISO 8601 UTC
time makes every process (web, workers) read that time instead, so tests can move time
forward without sleeping. ``set_now`` does the same within one process.
"""
import os
from datetime import datetime, timezone

_override = None


def now():
    """The current time as an aware UTC datetime."""
    if _override is not None:
        return _override
    path = os.environ.get("APP_CLOCK_FILE")
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
