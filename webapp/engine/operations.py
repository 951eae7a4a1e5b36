"""The registry of service operations a diagram may call (see docs/process-contract.md)."""
from .rules import SERVICE_OPERATORS

_handlers = {}


def register(name, handler):
    """Register ``handler(ctx, params, task_data)`` for the service operator ``name``."""
    if name not in SERVICE_OPERATORS:
        raise ValueError(f"unknown service operator {name}")
    _handlers[name] = handler


def dispatch(name, ctx, params, task_data):
    """Run the handler of ``name``; an unregistered operator is an error, never a no-op."""
    handler = _handlers.get(name)
    if handler is None:
        raise LookupError(f"service operator {name} has no handler")
    return handler(ctx, params, task_data)
