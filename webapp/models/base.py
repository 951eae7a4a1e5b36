"""Small helpers shared by the models."""
from .. import clock


def utcnow():
    """Now, as a timezone-naive UTC datetime (the form every table stores)."""
    return clock.utcnow_naive()
