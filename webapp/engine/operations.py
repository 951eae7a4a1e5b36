"""The registry of service operations a diagram may call (see docs/process-contract.md), and of
the rule that picks a new task's assignee. The engine calls what the application registered
(services/operations.py, from create_app), so it never imports the services."""
from .rules import SERVICE_OPERATORS

_handlers = {}
_assigner = None


def register(name, handler):
    """Register ``handler(ctx, params, task_data)`` for the service operator ``name``."""
    if name not in SERVICE_OPERATORS:
        raise ValueError(f"unknown service operator {name}")
    _handlers[name] = handler


def register_assigner(assigner):
    """Register ``assigner(row, case, first_time)``, which sets a new inbox row's assignee (or not)."""
    global _assigner
    _assigner = assigner


def assign(row, case, first_time):
    """Give a new inbox row its assignee through the registered rule; none registered is an error."""
    if _assigner is None:
        raise LookupError("no task assigner registered")
    _assigner(row, case, first_time=first_time)


def dispatch(name, ctx, params, task_data):
    """Run the handler of ``name``; an unregistered operator is an error, never a no-op."""
    handler = _handlers.get(name)
    if handler is None:
        raise LookupError(f"service operator {name} has no handler")
    return handler(ctx, params, task_data)
