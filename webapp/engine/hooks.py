"""What the rest of the application hears from the engine, without the engine importing it.

The engine sits below the services: it must not import them (tests/test_layers.py), yet a task
arriving in an inbox is news for the notifications and an overdue task the engine cancels must
leave the progress counters. ``create_app`` registers the services' listeners here, as it
registers the operators diagrams call; the engine calls ``emit`` in the same transaction.
"""

TASKS_ARRIVED = "tasks_arrived"  # (created inbox rows, actor)
OVERDUE_CLEARED = "overdue_cleared"  # (the inbox row that stops being overdue)

_listeners = {TASKS_ARRIVED: [], OVERDUE_CLEARED: []}


def listen(event, listener):
    """Call ``listener`` on each ``event`` (registering the same one twice keeps one)."""
    if listener not in _listeners[event]:
        _listeners[event].append(listener)


def emit(event, *args):
    """Tell every listener of ``event``; their failures propagate (the transaction rolls back)."""
    for listener in _listeners[event]:
        listener(*args)
