"""Make SpiffWorkflow's timers read the application's clock (``webapp.clock``)."""
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from .. import clock


class _ClockDatetime(datetime):
    """A datetime whose ``now`` is the application's clock; everything else is datetime's."""

    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install():
    """Point the timer module at the application clock (idempotent)."""
    if spiff_timer.datetime is not _ClockDatetime:
        spiff_timer.datetime = _ClockDatetime
