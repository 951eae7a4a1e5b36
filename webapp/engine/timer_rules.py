"""Timer expressions checked at deploy: they evaluate (under the engine's budget) to an ISO 8601
duration, date or cycle, and that lies in the allowed range.

A timer of ``P99999Y`` used to be accepted and then made every case start fail (the due date
is past the year 9999). The range is checked here, on the parsed parts, before SpiffWorkflow
turns the value into dates. Messages name the expression as written, never what it evaluated
to.
"""
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                               TimerEventDefinition)

from .errors import ScriptError, UnsafeScript, describe
from .scripting import RestrictedEnvironment

TIMER_MIN = timedelta(minutes=1)
TIMER_MAX = timedelta(days=5 * 365)
MAX_CYCLES = 1000
_SECONDS = {"years": 365.25 * 86400, "months": 30.44 * 86400, "weeks": 7 * 86400, "days": 86400,
            "hours": 3600, "minutes": 60, "seconds": 1}


class TimerOutOfRange(ValueError):
    """A timer value parses but lies outside the allowed range; ``code`` names the rule."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _duration_seconds(text):
    parts = TimerEventDefinition.parse_iso_duration(text)
    return sum(float(value) * _SECONDS[name] for name, value in parts.items())


def _check_part(text, now):
    """Check one duration or date of a timer value."""
    if text.upper().startswith("P"):
        seconds = _duration_seconds(text)
        if not TIMER_MIN.total_seconds() <= seconds <= TIMER_MAX.total_seconds():
            raise TimerOutOfRange("timer_range", low=_human(TIMER_MIN), high=_human(TIMER_MAX))
        return
    when = TimerEventDefinition.parse_time_or_duration(text)
    if abs(when - now) > TIMER_MAX:
        raise TimerOutOfRange("timer_date", high=_human(TIMER_MAX))


def _human(delta):
    """The limit in ISO 8601, readable in every language (P5Y, P30D, PT1M)."""
    if delta >= timedelta(days=365):
        return f"P{delta.days // 365}Y"
    if delta >= timedelta(days=1):
        return f"P{delta.days}D"
    return f"PT{int(delta.total_seconds() // 60)}M"


def check_value(definition, value, now=None):
    """Raise TimerOutOfRange or ValueError unless ``value`` is a usable value for ``definition``."""
    now = now or datetime.now(timezone.utc)
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError("not a timer value")
    value = value.strip()
    if isinstance(definition, CycleTimerEventDefinition):
        components = value.upper().replace("--", "/").strip("R").split("/")
        if len(components) not in (2, 3):
            raise ValueError("not a cycle")
        cycles = int(components[0]) if components[0] else -1
        if cycles != -1 and not 1 <= cycles <= MAX_CYCLES:
            raise TimerOutOfRange("timer_cycles", limit=MAX_CYCLES)
        for part in components[1:]:
            _check_part(part, now)
        TimerEventDefinition.parse_iso_recurring_interval(value)
    else:
        _check_part(value, now)


def check_timer(definition):
    """(message, code) when the timer of ``definition`` is unusable or out of range, else None."""
    source = definition.expression or ""
    shown = source if len(source) <= 60 else source[:60] + "…"
    try:
        value = RestrictedEnvironment().evaluate(source, {})
    except UnsafeScript:
        return None  # reported by the code check, with its reason
    except ScriptError as err:
        return err.message(), err.code
    except Exception:  # noqa: BLE001 - any failure here means an unusable timer
        return describe("timer_parse", {"source": shown}), "timer_parse"
    try:
        check_value(definition, value)
    except TimerOutOfRange as err:
        return describe(err.code, err.params), err.code
    except Exception:  # noqa: BLE001 - the value does not parse as ISO 8601
        return describe("timer_parse", {"source": shown}), "timer_parse"
    return None
