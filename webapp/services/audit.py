"""The audit log of who saw or changed personal data.

Two ways in, for one reason: *when* the row reaches the database.

- ``record`` adds an ORM object; its INSERT waits for the session's flush, which for most
  callers is the commit at the end of the view or job. On SQLite the database-wide write lock is
  taken at the first write of a transaction, so a view that records and then renders (the
  view_* audit lines) holds that lock only for the commit, not for the rendering.
- ``write`` (and ``write_many``) send the INSERT at once on the session's connection: about half
  the cost of flushing an ORM object, for busy paths: a case start and a visit's forms, which write
  anyway, the staff import's batch, and the visit and review task pages (inbox/task_pages.py),
  which on SQLite thus hold the write lock while they render, a trade made for the busiest page.

Making ``record`` write at once was tried (stop 21 and again here): SQLite then takes its write
lock at the call, and ``tests/test_process_templates.py`` fails with "database is locked" (the
test's own session holds the transaction a template creation opened while a client logs in), and
audit ids of one transaction follow call order instead of writes first, records at the flush.
One path that keeps both properties would queue the rows on the session and insert them in one
batch just before its flush or commit; it needs the queue cleared on rollback and flushed before
any read of the audit log in the same transaction, so it is left for a change of its own.
"""
from sqlalchemy import bindparam, insert
from sqlalchemy.dialects import postgresql

from ..extensions import db
from ..infra import upserts
from ..models import AuditEvent
from ..models.base import utcnow
from ..request_context import request_or_none


def _values(user, action, object_type, object_id, detail):
    return {"user_id": getattr(user, "id", None), "action": action, "object_type": object_type,
            "object_id": str(object_id) if object_id is not None else None, "detail": detail,
            "remote_addr": getattr(request_or_none(), "remote_addr", None)}


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


def event_values(user, action, object_type=None, object_id=None, detail=None):
    """The values of the audit event ``write`` would insert, named as EVENT_INSERT binds them,
    for a statement that writes the event along with its own change (one round trip)."""
    values = dict(_values(user, action, object_type, object_id, detail), at=utcnow())
    return {f"audit_{name}": value for name, value in values.items()}


# The INSERT of one audit event, compiled once for PostgreSQL as a part ``upserts.chain`` puts into
# another statement's WITH query; its values are bound as "audit_<column>" (``event_values``).
_EVENT_COLUMNS = ("at", "user_id", "action", "object_type", "object_id", "detail", "remote_addr")
EVENT_INSERT = upserts.as_text(
    insert(AuditEvent.__table__).values({name: bindparam(f"audit_{name}") for name in _EVENT_COLUMNS}), postgresql,
    {f"audit_{name}": AuditEvent.__table__.c[name].type for name in _EVENT_COLUMNS}, "an audit event")
