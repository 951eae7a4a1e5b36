"""Start an RQ worker: ``python -m workers [queue ...]``."""
import sys

from rq import Worker


def main(argv=None):
    """Listen on the named queues (all of them by default) until stopped."""
    from workers.app import get_app
    from webapp.queues import QUEUE_TIMEOUTS, redis_for

    app = get_app()
    names = (argv or sys.argv[1:]) or list(QUEUE_TIMEOUTS)
    connection = redis_for(app.config)
    worker = Worker(names, connection=connection)
    worker.work(with_scheduler=False)


if __name__ == "__main__":
    main()
