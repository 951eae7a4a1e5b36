"""The small scheduler every worker process runs beside its RQ worker (the list of periodic jobs
is webapp/jobs/schedule.py).

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

from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

from webapp.jobs.schedule import KEY_PREFIX, PERIODIC_JOBS, interval_of, last_key

log = logging.getLogger(__name__)


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
