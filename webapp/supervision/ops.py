"""The queue dashboard for administrators: RQ queues, workers, failures, the periodic schedule,
and the backlog the database holds (which is what matters: Redis is only a doorbell)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import (DeferredJobRegistry, FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry,
                         StartedJobRegistry)

from ..auth.decorators import admin_required
from ..jobs import casework as jobs
from ..jobs.schedule import PERIODIC_JOBS, interval_of, last_key
from ..queues import QUEUE_TIMEOUTS, redis_connection
from ..services.casework import timers
from . import bp

FAILED_SHOWN = 20


def _queue_figures(connection):
    queues, failed = [], []
    for name, timeout in QUEUE_TIMEOUTS.items():
        queue = Queue(name, connection=connection)
        registries = {"started": StartedJobRegistry, "failed": FailedJobRegistry, "finished": FinishedJobRegistry,
                      "scheduled": ScheduledJobRegistry, "deferred": DeferredJobRegistry}
        figures = {key: cls(queue=queue).count for key, cls in registries.items()}
        queues.append({"name": name, "timeout": timeout, "queued": queue.count, **figures})
        registry = FailedJobRegistry(queue=queue)
        for job in queue.job_class.fetch_many(registry.get_job_ids(0, FAILED_SHOWN - 1), connection=connection):
            if job is not None:
                failed.append({"id": job.id, "queue": name, "func": job.func_name, "args": job.args,
                               "ended_at": job.ended_at,
                               "error": (job.exc_info or "").strip().splitlines()[-1:] or [""]})
    workers = [{"name": w.name, "state": w.get_state(), "queues": ", ".join(w.queue_names()),
                "job": w.get_current_job_id(), "heartbeat": w.last_heartbeat}
               for w in Worker.all(connection=connection)]
    return queues, workers, failed[:FAILED_SHOWN]


def _schedule(connection):
    rows = []
    for job in PERIODIC_JOBS:
        last = connection.get(last_key(job))
        rows.append({"id": job.id, "func": f"{job.func.__module__}.{job.func.__qualname__}", "queue": job.queue,
                     "every": interval_of(job), "timeout": job.timeout, "last": last.decode() if last else None})
    return rows


@bp.route("/ops")
@admin_required
def ops():
    """Queues, workers, failed jobs and the periodic schedule; the database backlog always."""
    backlog = timers.backlog()
    queues = workers = failed = schedule = None
    redis_error = None
    try:
        connection = redis_connection()
        queues, workers, failed = _queue_figures(connection)
        schedule = _schedule(connection)
    except (RedisError, OSError) as err:
        redis_error = str(err)
    return render_template("supervision/ops.html", backlog=backlog, queues=queues, workers=workers,
                           failed=failed, schedule=schedule, redis_error=redis_error)


@bp.route("/ops/failed/<job_id>/requeue", methods=["POST"])
@admin_required
def requeue(job_id):
    """Put a failed job back on its queue."""
    try:
        connection = redis_connection()
        for name in QUEUE_TIMEOUTS:
            registry = FailedJobRegistry(queue=Queue(name, connection=connection))
            if job_id in registry.get_job_ids():
                registry.requeue(job_id)
                flash(_("已重新排队。"), "success")
                break
        else:
            abort(404)
    except (RedisError, OSError):
        flash(_("任务队列暂不可用。"), "error")
    return redirect(url_for("supervision.ops"))


@bp.route("/ops/sweep", methods=["POST"])
@admin_required
def sweep_now():
    """Ask a worker to sweep timers now (a doorbell: the periodic sweep runs anyway)."""
    job = timers.ring(jobs.sweep_timers, queue_name="timers", job_timeout=120)
    if job is None:
        flash(_("任务队列暂不可用，定时巡检将在恢复后自动补做。"), "error")
    else:
        flash(_("已安排立即巡检。"), "success")
    return redirect(url_for("supervision.ops"))
