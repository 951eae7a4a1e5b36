"""The periodic jobs, and the small scheduler every worker process runs beside its RQ worker.

Every worker ticks the same list; a Redis ``SET NX`` on ``<job id>:<slot>`` lets exactly one of
them enqueue each run, under the deterministic RQ job id ``periodic-<job id>-<slot>``. A run
is skipped while the previous one still waits in its queue, so a stalled worker pool does not
pile up sweeps. The jobs themselves read due work from the database, so a slot missed while
Redis was away costs nothing but latency.
"""
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from workers import change_jobs, completeness_jobs, jobs

log = logging.getLogger(__name__)
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
    Periodic("timer-sweep", jobs.sweep_timers, "timers", every=30, timeout=120, kwargs={"max_seconds": 90}),
    Periodic("daily-digest", jobs.daily_digests, "default", every=900, timeout=300),
    Periodic("village-surveys", change_jobs.open_due_surveys, "default", every=3600, timeout=300),
    # Completeness counts of every village (the county list and the dashboard's village rows read them).
    Periodic("completeness-recheck", completeness_jobs.recheck_villages, "default", every=3600, timeout=1200),
    # The weekly progress bulletin (定期通报), as of the day before; BULLETIN_EVERY_SECONDS changes
    # the interval (the job does nothing when a county's bulletin for that date exists).
    Periodic("weekly-bulletin", jobs.produce_bulletins, "default",
             every=int(os.environ.get("BULLETIN_EVERY_SECONDS", str(7 * 86400))), timeout=600),
)


def interval_of(job):
    """The job's interval in seconds, capped by WORKER_PERIODIC_MAX_INTERVAL when set."""
    cap = os.environ.get(MAX_INTERVAL_ENV)
    return min(job.every, max(float(cap), 0.2)) if cap else job.every


def last_key(job):
    """The Redis key holding the id of the job's latest run."""
    return f"{KEY_PREFIX}:{job.id}:last"


class Scheduler:
    """Enqueues the periodic jobs; safe to run in any number of processes at once."""

    def __init__(self, connection, jobs=PERIODIC_JOBS, name=None):
        self.connection = connection
        self.jobs = jobs
        self.name = name or f"{os.uname().nodename}:{os.getpid()}"

    def _waiting(self, job_id):
        try:
            status = Job.fetch(job_id.decode() if isinstance(job_id, bytes) else job_id,
                               connection=self.connection).get_status(refresh=False)
        except NoSuchJobError:
            return False
        return status in ("queued", "scheduled", "deferred")

    def tick(self, now=None):
        """Enqueue every job whose slot started and has no run yet; returns the enqueued ids."""
        now = time.time() if now is None else now
        enqueued = []
        for job in self.jobs:
            every = interval_of(job)
            slot = int(now // every)
            if not self.connection.set(f"{KEY_PREFIX}:{job.id}:{slot}", self.name, nx=True,
                                       ex=max(int(every * 3), 60)):
                continue  # another process owns this slot
            previous = self.connection.get(last_key(job))
            if previous and self._waiting(previous):
                continue
            rq_id = f"periodic-{job.id}-{slot}"
            Queue(job.queue, connection=self.connection).enqueue(
                job.func, kwargs=job.kwargs, job_id=rq_id, job_timeout=job.timeout,
                result_ttl=3600, failure_ttl=7 * 86400, description=f"periodic {job.id}")
            self.connection.set(last_key(job), rq_id)
            enqueued.append(rq_id)
        return enqueued

    def run(self, stop, period=1.0):
        """Tick until ``stop`` (a threading.Event) is set; Redis outages are logged and waited out."""
        down = False
        while not stop.is_set():
            try:
                self.tick()
                if down:
                    log.info("scheduler: Redis is back")
                down = False
            except (RedisError, OSError) as err:
                if not down:
                    log.warning("scheduler: Redis unavailable (%s); due work waits in the database", err)
                down = True
            except Exception:  # a dead scheduler thread would stall every deadline silently
                log.exception("scheduler: tick failed; trying again")
            stop.wait(min(period, min(interval_of(job) for job in self.jobs)))

    def start_thread(self, stop):
        """Run the scheduler in a daemon thread of this process."""
        thread = threading.Thread(target=self.run, args=(stop,), name="periodic-scheduler", daemon=True)
        thread.start()
        return thread
