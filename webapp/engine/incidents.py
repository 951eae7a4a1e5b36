"""Engine failures become incidents (DESIGN invariant 13), never a crash or silence.

A failed engine step (a script or condition error, a limit, a runaway loop of automatic steps,
a timer that cannot be computed, a failing service operation, or a case left with nothing to
wait for) is described here as a code with safe parameters, recorded on the instance's one open
incident, and shown in the reader's language (errors.py). Database contention is not a
failure of the case: it goes back to the caller, as before.
"""
import logging
from dataclasses import dataclass

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..models import CaseEvent, Incident
from ..models.base import utcnow
from .errors import ScriptError

log = logging.getLogger(__name__)
# Contention and lost connections are the caller's business (retry, tell the user), not the case's.
PASSTHROUGH = (OperationalError, StaleDataError, InterfaceError)


@dataclass
class Failure:
    """What went wrong in one engine step, safe to store and show."""

    code: str
    params: dict
    detail: str
    element: str | None


def _chain(err):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def _task_in_traceback(err):
    """The innermost task SpiffWorkflow was working on when ``err`` was raised (timers raise
    outside any task run, so nothing else names them)."""
    found, trace = None, err.__traceback__
    while trace is not None:
        for name in ("my_task", "task"):
            candidate = trace.tb_frame.f_locals.get(name)
            if getattr(candidate, "task_spec", None) is not None:
                found = candidate
        trace = trace.tb_next
    return found


def _element_of(err, workflow):
    task = getattr(err, "task", None) or next(filter(None, map(_task_in_traceback, _chain(err))), None)
    spec = getattr(task, "task_spec", None) or getattr(err, "task_spec", None)
    if spec is None and workflow is not None:
        errored = workflow.get_tasks(state=TaskState.ERROR)
        spec = errored[0].task_spec if errored else None
    if spec is None:
        return None, None
    return (getattr(spec, "bpmn_id", None) or spec.name), spec


def describe_failure(err, workflow=None):
    """A Failure for exception ``err`` raised while running ``workflow``."""
    element, spec = _element_of(err, workflow)
    chain = list(_chain(err))
    script_error = next((e for e in chain if isinstance(e, ScriptError)), None)
    root = chain[-1]
    detail = getattr(err, "error_type", None) or type(root).__name__
    if script_error is not None:
        return Failure(script_error.code, dict(script_error.params), type(script_error).__name__, element)
    if isinstance(root, (RecursionError, MemoryError)):
        return Failure("deep_state", {}, detail, element)
    if isinstance(getattr(spec, "event_definition", None), TimerEventDefinition) or isinstance(root, OverflowError):
        return Failure("timer", {}, detail, element)
    return Failure("error", {"kind": detail}, detail, element)


def stuck_failure():
    """The failure of a case left with no open task, no waiting timer, and not finished."""
    return Failure("stuck", {}, "stuck", None)


def record(instance, step, failure, actor=None):
    """Open (or update) the instance's incident with ``failure``; add a timeline line. The caller commits."""
    log.warning("process instance %s: %s step failed at %s (%s: %s)", instance.id, step, failure.element,
                failure.code, failure.detail)
    incident = open_incident(instance.id)
    now = utcnow()
    if incident is None:
        case = instance.case
        incident = Incident(case=case, instance=instance, county_code=case.county_code,
                            township_code=case.township_code, village_code=case.village_code, step=step,
                            attempts=1, status="open", created_at=now)
        db.session.add(incident)
    else:
        incident.attempts += 1
    incident.element = (failure.element or "")[:128] or None
    incident.error_code = failure.code
    incident.error_params = {key: str(value)[:200] for key, value in failure.params.items()}
    incident.detail = (failure.detail or "")[:128]
    incident.updated_at = now
    db.session.add(CaseEvent(case=instance.case, kind="incident", actor_id=getattr(actor, "id", None),
                             task_name=incident.element, at=now))
    return incident


def resolve(instance, actor=None):
    """Close the instance's open incident after a successful retry. The caller commits."""
    incident = open_incident(instance.id)
    if incident is None:
        return None
    incident.status, incident.resolved_at, incident.updated_at = "resolved", utcnow(), utcnow()
    incident.resolved_by_id = getattr(actor, "id", None)
    db.session.add(CaseEvent(case=instance.case, kind="incident_resolved", actor_id=getattr(actor, "id", None),
                             at=incident.resolved_at))
    return incident


def open_incident(instance_id):
    """The open incident of an instance, if any (new ones in this session included)."""
    with db.session.no_autoflush:
        for obj in db.session.new:
            if isinstance(obj, Incident) and obj.status == "open" and obj.instance is not None \
                    and obj.instance.id == instance_id and instance_id is not None:
                return obj
        if instance_id is None:
            return None
        return Incident.query.filter_by(instance_id=instance_id, status="open").first()
