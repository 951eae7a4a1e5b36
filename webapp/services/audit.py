"""The audit log of who saw or changed personal data."""
from flask import has_request_context, request
from sqlalchemy import insert

from ..extensions import db
from ..models import AuditEvent
from ..models.base import utcnow


def record(user, action, object_type=None, object_id=None, detail=None):
    """Add one audit event to the session (the caller commits with its own work)."""
    event = AuditEvent(user_id=getattr(user, "id", None), action=action, object_type=object_type,
                       object_id=str(object_id) if object_id is not None else None, detail=detail,
                       remote_addr=request.remote_addr if has_request_context() else None)
    db.session.add(event)
    return event


def record_view(user, action, object_type=None, object_id=None, detail=None):
    """``record`` for a page that only shows data: the same row, inserted at once by one statement
    built once on the session's connection (no object to build, track and flush); the caller commits."""
    db.session.connection().execute(_INSERT_EVENT, {
        "at": utcnow(), "user_id": getattr(user, "id", None), "action": action, "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None, "detail": detail,
        "remote_addr": request.remote_addr if has_request_context() else None})


_INSERT_EVENT = insert(AuditEvent.__table__)
