"""SQLAlchemy event listeners registered once per process, whatever number of apps it builds."""
from sqlalchemy import event


def listen_once(target, listeners):
    """Register each (event name, listener) of ``listeners`` on ``target`` (a SQLAlchemy class such
    as Session or Engine) unless it is registered already: ``create_app`` may run more than once in
    a process (tests, the CLI), and a listener registered twice would run twice."""
    for name, listener in listeners:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
