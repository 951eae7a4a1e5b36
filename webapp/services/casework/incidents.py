"""Incidents for the people who fix them: the scoped list, one case's incident, and the retry."""
from ...extensions import db
from ...models import Incident
from ... import engine
from .. import audit, scoping

# Who sees the incident list and may retry (other roles see a case's incident on its page).
INCIDENT_ROLES = ("admin", "supervisor")


def can_manage(user):
    """True for the roles that list and retry incidents."""
    return getattr(user, "role", None) in INCIDENT_ROLES


def message(incident):
    """The incident's error in the reader's language."""
    return engine.describe(incident.error_code, incident.error_params)


def list_incidents(user, status="open", page=1, per_page=20):
    """Incidents in ``user``'s area, newest first: (rows, total)."""
    query = scoping.scoped(Incident, user).options(db.joinedload(Incident.case))
    if status in ("open", "resolved"):
        query = query.filter(Incident.status == status)
    total = query.order_by(None).count()
    rows = query.order_by(Incident.id.desc()).offset((max(page, 1) - 1) * per_page).limit(per_page).all()
    return rows, total


def open_incident_of(case):
    """The case's open incident (the newest, if several instances failed), or None."""
    return (Incident.query.filter_by(case_id=case.id, status="open").order_by(Incident.id.desc()).first())


def open_count(user):
    """How many open incidents ``user`` can see."""
    return scoping.scoped(Incident, user).filter(Incident.status == "open").count()


def retry(incident, actor):
    """Re-run the failed engine step of ``incident``'s case; True when the case went on.

    Audited; the caller commits. When it fails again the incident stays open with the new error.
    """
    audit.record(actor, "retry_incident", "incident", incident.id)
    return engine.retry_incident(incident.instance_id, actor)
