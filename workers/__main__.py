"""Start a worker: ``python -m workers [--no-scheduler] [queue ...]``.

One process = an RQ worker on the named queues (all by default) plus the periodic scheduler
thread (workers/schedule.py). Run as many as wanted: the scheduler enqueues each periodic run
once across all of them. When Redis goes away the worker waits and reconnects instead of
exiting, so a Redis restart needs no worker restart.
"""
import argparse
import logging
import threading
import time

from redis.exceptions import RedisError
from rq import Worker
from webapp.jobs.context import get_app
from webapp.queues import QUEUE_TIMEOUTS, redis_for
from workers.schedule import Scheduler

log = logging.getLogger("workers")
RECONNECT_SECONDS = 2.0


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__.splitlines()[0])
    parser.add_argument("queues", nargs="*", help="queues to listen on (default: all)")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the periodic scheduler here")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    return parser.parse_args(argv)


def work_forever(names, connection, burst=False):
    """Run an RQ worker, starting a new one whenever the last quit because Redis failed."""
    while True:
        try:
            # Inside the try: creating a worker talks to Redis too (it names its connection), and
            # an outage at that moment must not end the process.
            worker = Worker(names, connection=connection)
            # Reconnect quickly after an outage instead of backing off to a minute.
            worker.max_connection_wait_time = 5.0
            worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
        except (RedisError, OSError) as err:
            log.warning("worker: Redis unavailable (%s); retrying in %.0fs", err, RECONNECT_SECONDS)
            time.sleep(RECONNECT_SECONDS)
            continue
        # RQ records a warm shutdown (SIGTERM / Ctrl-C) here; anything else was a lost connection.
        if burst or worker._stop_requested or getattr(worker, "_shutdown_requested_date", None):
            return
        log.warning("worker quit unexpectedly (Redis lost?); starting again in %.0fs", RECONNECT_SECONDS)
        time.sleep(RECONNECT_SECONDS)


def main(argv=None):
    """Listen on the named queues until stopped, running the periodic scheduler alongside."""
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = get_app()
    names = args.queues or list(QUEUE_TIMEOUTS)
    connection = redis_for(app.config)
    stop = threading.Event()
    if not args.no_scheduler and not args.burst:
        Scheduler(connection).start_thread(stop)
    try:
        work_forever(names, connection, burst=args.burst)
    finally:
        stop.set()


if __name__ == "__main__":
    main()
