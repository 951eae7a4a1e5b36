"""Saving a run: the serialized state, the instance's status and timer, and its inbox rows together.

Every write of the engine (``start``, ``completion``, ``resume``, case migration) ends here: the
state, the inbox rows and the timer due time change together in the caller's transaction. The
caller commits.
"""

from ..extensions import db
from ..infra import new_rows
from ..models import DiagramVersion, InboxTask
from ..models.base import utcnow
from . import hooks, incidents, instance_write, operations, passed, projection, pruning, tree
from .diagrams import spec_cache
from .runtime import script_engine
from .serialization import SERIALIZER_VERSION, dump_state
from .walks import Workflow


class InstanceChanged(Exception):
    """The instance's version moved on since it was read: another writer saved it first."""


def _dump_or_failure(workflow, failure):
    try:
        return dump_state(workflow), failure
    except Exception as err:  # noqa: BLE001 - unsaveable data must not 500; the state stays as it was
        return None, failure or incidents.describe_failure(err, workflow)


def save_workflow(instance, workflow, new_instance=False, failure=None, step="", actor=None, completing=None,
                  open_rows=None, direct=False, later=None):
    """Write state, status, timer due time and the inbox rows; return the new rows.

    ``open_rows``: the instance's open inbox rows when the caller read them under its lock.
    ``direct``: write the instance row now with its version check (``instance_write``; raises
    InstanceChanged when another writer saved it first) instead of at the next flush;
    ``completing``: the inbox row a completion marked, reopened if the step cannot be saved.
    ``later``: a list, given by a caller that holds the instance's row lock on PostgreSQL: a
    step saved whole without failure appends the direct write to it as ``new_rows.write``'s
    ``along`` (``instance_write.instance_write_along``), for the caller's next write to run.

    A failed step is saved as far as it got (the failing task in error) with the instance in
    the ``incident`` state, so a retry goes on from there; a case that is neither finished nor
    waiting for anyone or anything is an incident too.
    """
    columns = {}
    # One walk of the tree for the path, the inbox and the timers (before pruning, which drops the
    # finished parts the path needs; it never drops a live task, but the lists are checked).
    found = tree.survey(workflow)
    # Finished parts leave the state; the timeline keeps what happened, ``passed`` the path taken.
    remembered = passed.remember(instance.passed, workflow, found.path)
    if remembered != instance.passed:
        columns["passed"] = remembered
    pruning.prune(workflow)
    waiting = [task for task in found.waiting if tree.still_live(workflow, task)]
    ready = projection.ready_human_tasks(workflow, [task for task in found.ready if tree.still_live(workflow, task)])
    timers = projection.waiting_timers(workflow, waiting)
    if failure is None and not workflow.completed and not ready and not waiting:
        failure = incidents.stuck_failure()
    state, failure = _dump_or_failure(workflow, failure)
    columns["serializer_version"] = SERIALIZER_VERSION
    columns["status"] = "incident" if failure else "completed" if workflow.completed else "running"
    columns["updated_at"] = utcnow()
    if state is None:
        # Nothing of this step can be saved: the last saved state, its inbox rows and its timer
        # stay as they were (a new instance keeps a fresh start of its process).
        columns["state"] = instance.state or _fresh_state(instance)
        if completing is not None and completing.state == "completed":
            instance_write.reopen(completing)
    else:
        columns["state"] = state
        columns["next_timer_at"] = min((due for _, due in timers), default=None)
    # Every column of the instance is set before the inbox rows are written (whose queries
    # flush): one UPDATE (and one version step) per save.
    if direct and later is not None and failure is None and state is not None:
        later.append(instance_write.instance_write_along(instance, columns))
    elif direct:
        if not instance_write.write_instance(instance, columns):
            raise InstanceChanged()
    else:
        for name, value in columns.items():
            setattr(instance, name, value)
    created = _sync_inbox(instance, ready, new_instance, open_rows) if state is not None else []
    if failure is not None:
        incidents.record(instance, step, failure, actor)
    return created


def _fresh_state(instance):
    # By id: a new instance names its version by id only (a start does not load the row).
    spec, subprocess_specs = spec_cache.get(db.session.get(DiagramVersion, instance.diagram_version_id))
    return dump_state(Workflow(spec, subprocess_specs, script_engine=script_engine()))


def _sync_inbox(instance, ready, new_instance, open_rows=None):
    if new_instance:
        open_rows = []
    elif open_rows is None:
        open_rows = InboxTask.query.filter_by(instance_id=instance.id, state="ready").all()
    else:  # read under the lock; the row just completed is no longer open, as the query would say
        open_rows = [row for row in open_rows if row.state == "ready"]
    ready_ids = {item["uuid"] for item in ready}
    for row in open_rows:
        if row.task_uuid not in ready_ids:
            if row.overdue:
                hooks.emit(hooks.OVERDUE_CLEARED, row)  # the overdue counter (design invariant 16)
            row.state = "cancelled"
    known = {row.task_uuid for row in open_rows}
    case = instance.case
    # A stored case and instance (a completion's): their ids as the row's columns. Setting the
    # relationships instead fires their attribute events and makes adding the row cascade
    # through both objects, for the same two foreign keys.
    stored = {"case_id": case.id, "instance_id": instance.id} if case.id is not None and instance.id is not None \
        else None
    created = []
    for item in ready:
        if item["uuid"] in known:
            continue
        version_id = instance.diagram_version_id or instance.diagram_version.id
        row = new_rows.fresh(InboxTask, diagram_version_id=version_id, task_uuid=item["uuid"],
                             task_name=item["task_name"], title=item["title"], process_id=item["process_id"],
                             lane=item["lane"] or "", county_code=case.county_code,
                             township_code=case.township_code, village_code=case.village_code,
                             due_at=item["due_at"], reminder_at=item["reminder_at"], state="ready", **(stored or {}))
        if stored is None:  # as usual: a new case or instance gives its id at the flush
            row.case, row.instance = case, instance
        operations.assign(row, case, first_time=new_instance)
        db.session.add(row)
        created.append(row)
    current_step = ", ".join(item["title"] for item in ready) if ready else None
    if case.current_step != current_step:  # unchanged: the case stays out of the flush
        case.current_step = current_step
    return created
