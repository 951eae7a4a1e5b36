"""The periodic jobs: which job runs how often on which queue (the worker's scheduler runs them,
workers/schedule.py; the administrators' queue dashboard shows them)."""
import os
from dataclasses import dataclass, field

from . import casework, changes, completeness, expansion

KEY_PREFIX = "workers:periodic"
# Tests and demos shorten every interval with this variable (seconds); production leaves it unset.
MAX_INTERVAL_ENV = "WORKER_PERIODIC_MAX_INTERVAL"


@dataclass(frozen=True)
class Periodic:
    """A job enqueued every ``every`` seconds on ``queue`` with an explicit ``timeout``."""

    id: str
    func: object  # the job function itself: a rename breaks at import time
    queue: str
    every: int
    timeout: int
    kwargs: dict = field(default_factory=dict)


# The one list of periodic jobs. Ids are stable: dashboards and Redis keys use them.
PERIODIC_JOBS = (
    Periodic("timer-sweep", casework.sweep_timers, "timers", every=30, timeout=120, kwargs={"max_seconds": 90}),
    Periodic("daily-digest", casework.daily_digests, "default", every=900, timeout=300),
    Periodic("village-surveys", changes.open_due_surveys, "default", every=3600, timeout=300),
    # Completeness counts of every village (the county list and the dashboard's village rows read them).
    Periodic("completeness-recheck", completeness.recheck_villages, "default", every=3600, timeout=1200),
    Periodic("expansion-follow-ups", expansion.open_due_follow_ups, "default", every=3600, timeout=300),
    # The weekly progress bulletin (定期通报), as of the day before; BULLETIN_EVERY_SECONDS changes
    # the interval (the job does nothing when a county's bulletin for that date exists).
    Periodic("weekly-bulletin", casework.produce_bulletins, "default",
             every=int(os.environ.get("BULLETIN_EVERY_SECONDS", str(7 * 86400))), timeout=600),
)


def interval_of(job):
    """The job's interval in seconds, capped by WORKER_PERIODIC_MAX_INTERVAL when set."""
    cap = os.environ.get(MAX_INTERVAL_ENV)
    return min(job.every, max(float(cap), 0.2)) if cap else job.every


def last_key(job):
    """The Redis key holding the id of the job's latest run."""
    return f"{KEY_PREFIX}:{job.id}:last"
