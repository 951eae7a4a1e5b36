"""The audit log of who saw or changed personal data."""
from flask import has_request_context, request
from sqlalchemy import insert

from ..extensions import db
from ..models import AuditEvent
from ..models.base import utcnow


def _values(user, action, object_type, object_id, detail):
    return {"user_id": getattr(user, "id", None), "action": action, "object_type": object_type,
            "object_id": str(object_id) if object_id is not None else None, "detail": detail,
            "remote_addr": request.remote_addr if has_request_context() else None}


def record(user, action, object_type=None, object_id=None, detail=None):
    """Add one audit event to the session (the caller commits with its own work)."""
    event = AuditEvent(**_values(user, action, object_type, object_id, detail))
    db.session.add(event)
    return event


def write(user, action, object_type=None, object_id=None, detail=None):
    """Insert the same audit event as ``record`` at once, in the caller's transaction (the caller
    commits), for a busy path that does not need the event object: one statement built once, run
    on the session's connection, costs about half of what flushing an ORM object costs."""
    db.session.connection().execute(_INSERT_EVENT, dict(_values(user, action, object_type, object_id, detail),
                                                        at=utcnow()))


def write_many(user, events):
    """Insert several events of ``user`` at once as ``write`` does one: ``events`` are
    (action, object_type, object_id, detail) tuples, sent as one batch (an executemany), in order."""
    at = utcnow()
    db.session.connection().execute(_INSERT_EVENT, [dict(_values(user, *event), at=at) for event in events])


_INSERT_EVENT = insert(AuditEvent.__table__)  # built once: the compiled cache answers it
