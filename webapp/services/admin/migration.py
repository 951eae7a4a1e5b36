"""Moving running cases to a newer diagram version: overview, check, preview, and the batch run.

The batch runs in an RQ job given only the run's id. Each instance moves in its own
transaction together with its item's outcome, its timeline line, its audit line and the run's
counters, so a job killed half-way or run twice moves every instance at most once.
"""
import json
import logging

from flask_babel import gettext as _

from ...engine import migration as engine_migration
from ...extensions import db
from ...models import CaseEvent, DiagramVersion, MigrationItem, MigrationRun, ProcessInstance, User
from ...models.base import utcnow
from .. import audit
from .processes import number_of

log = logging.getLogger(__name__)
BATCH = 100  # instances moved per transaction by the job
LIST_LIMIT = 200  # cases checked and listed on one page


def current_of(process_id):
    """The current version of ``process_id`` (None when it has none)."""
    return DiagramVersion.query.filter_by(process_id=process_id, is_current=True).one_or_none()


def overview():
    """Per process: its current version and the older versions that still have running cases."""
    counts = dict(db.session.query(ProcessInstance.diagram_version_id, db.func.count(ProcessInstance.id))
                  .filter(ProcessInstance.status == "running").group_by(ProcessInstance.diagram_version_id))
    processes = []
    for (process_id,) in db.session.query(DiagramVersion.process_id).distinct().order_by(DiagramVersion.process_id):
        versions = DiagramVersion.query.filter_by(process_id=process_id).order_by(DiagramVersion.id).all()
        numbers = {v.id: n for n, v in enumerate(versions, start=1)}
        current = next((v for v in versions if v.is_current), None)
        older = [{"version": v, "number": numbers[v.id], "running": counts.get(v.id, 0)}
                 for v in versions if not v.is_current and counts.get(v.id)]
        processes.append({"process_id": process_id, "current": current,
                          "current_number": numbers.get(getattr(current, "id", None)),
                          "current_running": counts.get(getattr(current, "id", None), 0), "older": older})
    return processes


def _obstacle_text(obstacle):
    if obstacle.kind == "process_removed":
        return _("新版本中没有它调用的子流程“%(process)s”", process=obstacle.process)
    if obstacle.kind == "removed":
        return _("已经过或正在办理的“%(element)s”（%(process)s）在新版本中已删除",
                 element=obstacle.element, process=obstacle.process)
    return _("已经办理的“%(element)s”（%(process)s）在新版本中有改动",
             element=obstacle.element, process=obstacle.process)


def obstacle_texts(obstacles):
    """Reasons a case cannot move, as sentences for the page."""
    return [_obstacle_text(o) for o in obstacles]


def check_cases(version, limit=LIST_LIMIT):
    """The running cases on ``version`` (first ``limit``), each with whether it can move to the current one."""
    target = current_of(version.process_id)
    instances = (ProcessInstance.query.filter_by(diagram_version_id=version.id, status="running")
                 .order_by(ProcessInstance.id).limit(limit).all())
    rows = []
    for instance in instances:
        outcome = engine_migration.preview(instance, target)
        rows.append({"instance": instance, "case": instance.case, "compatible": outcome.status == "migrated",
                     "reasons": obstacle_texts(outcome.obstacles),
                     "tasks": [task["title"] for task in outcome.before]})
    return target, rows


def preview(instance_id):
    """What moving one instance to its process's current version would do, both ways of deadlines."""
    instance = db.get_or_404(ProcessInstance, instance_id)
    target = current_of(instance.diagram_version.process_id)
    keep = engine_migration.preview(instance, target, follow_new_deadlines=False)
    follow = engine_migration.preview(instance, target, follow_new_deadlines=True)
    after_follow = {task["uuid"]: task for task in follow.after}
    tasks = []
    for before in keep.before:
        after = next((t for t in keep.after if t["uuid"] == before["uuid"]), None)
        tasks.append({"before": before, "after": after, "after_follow": after_follow.get(before["uuid"])})
    return {"instance": instance, "target": target, "compatible": keep.status == "migrated",
            "reasons": obstacle_texts(keep.obstacles), "tasks": tasks,
            "changes": spec_changes(instance.diagram_version, target)}


def spec_changes(old_version, new_version):
    """Elements added, removed and changed between two versions, per process, as (process, kind, element)."""
    return [(process, kind, element) for process, kind, element
            in engine_migration.spec_changes(old_version, new_version)]


class NothingToMigrate(ValueError):
    """The request named no running case of the version."""


def start_run(version_id, instance_ids, follow_new_deadlines, actor):
    """Create a run for ``instance_ids`` (None: every running case of the version); the caller commits
    and then enqueues the ``migrate_cases`` job (webapp.jobs.casework) with its id."""
    version = db.get_or_404(DiagramVersion, version_id)
    target = current_of(version.process_id)
    running = set(engine_migration.running_instances(version.id))
    chosen = sorted(running if instance_ids is None else running & {int(i) for i in instance_ids})
    if target is None or target.id == version.id or not chosen:
        raise NothingToMigrate(version_id)
    run = MigrationRun(process_id=version.process_id, from_version_id=version.id, to_version_id=target.id,
                       follow_new_deadlines=bool(follow_new_deadlines), requested_by_id=getattr(actor, "id", None),
                       status="queued", total=len(chosen), migrated=0, incompatible=0, skipped=0)
    db.session.add(run)
    db.session.flush()
    db.session.bulk_insert_mappings(MigrationItem, [{"run_id": run.id, "instance_id": i} for i in chosen])
    audit.record(actor, "migration_started", "migration_run", run.id,
                 detail=f"{version.process_id} v{version.id}->v{target.id}; {len(chosen)}; "
                        f"deadlines={'new' if follow_new_deadlines else 'kept'}")
    return run


_COUNTER = {"migrated": "migrated", "incompatible": "incompatible"}


def _record(run, item, outcome, actor, numbers):
    _record_outcome(run, item, outcome, actor, numbers)
    column = _COUNTER.get(outcome.status, "skipped")
    # An UPDATE that adds, not a read-modify-write: the page polls the counters meanwhile.
    db.session.query(MigrationRun).filter_by(id=run.id).update({column: getattr(MigrationRun, column) + 1},
                                                               synchronize_session=False)


def run_migration(run_id):
    """Move every item of the run that has no outcome yet; return the run's counters. Safe to run twice."""
    run = db.session.get(MigrationRun, run_id)
    if run is None:
        return None
    target = run.to_version
    actor = db.session.get(User, run.requested_by_id) if run.requested_by_id else None
    numbers = (number_of(run.from_version), number_of(target))
    if run.status == "queued":
        run.status = "running"
        db.session.commit()
    last_id = 0
    while True:
        items = (MigrationItem.query.filter(MigrationItem.run_id == run.id, MigrationItem.outcome.is_(None),
                                            MigrationItem.id > last_id)
                 .order_by(MigrationItem.id).limit(BATCH).all())
        if not items:
            break
        pairs = [(item.id, item.instance_id) for item in items]
        last_id = pairs[-1][0]
        db.session.rollback()
        try:
            _migrate_batch(run_id, pairs, target, actor, numbers)
        except Exception:  # noqa: BLE001 - a lock conflict or a bad row: redo this batch one by one
            db.session.rollback()
            log.warning("batch of run %s failed; migrating its instances one by one", run_id, exc_info=True)
            for item_id, instance_id in pairs:
                _migrate_item(run_id, item_id, instance_id, target, actor, numbers)
    run = db.session.get(MigrationRun, run_id)
    if run.status != "finished":
        run.status, run.finished_at = "finished", utcnow()
    db.session.commit()
    return {"migrated": run.migrated, "incompatible": run.incompatible, "skipped": run.skipped}


def _migrate_batch(run_id, pairs, target, actor, numbers):
    """Move a batch of items in one transaction: instances, rows, outcomes, timeline, audit, counters."""
    run = db.session.get(MigrationRun, run_id)
    outcomes = engine_migration.migrate_batch([instance_id for _, instance_id in pairs], target,
                                              run.follow_new_deadlines, actor)
    # Items are read after the instances are locked: a second job sees what the first one did.
    items = {item.id: item for item in MigrationItem.query.filter(MigrationItem.id.in_([i for i, _ in pairs]))
             .execution_options(populate_existing=True)}
    counts = {"migrated": 0, "incompatible": 0, "skipped": 0}
    for item_id, instance_id in pairs:
        item = items[item_id]
        if item.outcome is not None:
            continue
        outcome = outcomes.get(instance_id, engine_migration.Outcome("not_running"))
        _record_outcome(run, item, outcome, actor, numbers)
        counts[_COUNTER.get(outcome.status, "skipped")] += 1
    db.session.query(MigrationRun).filter_by(id=run_id).update(
        {name: getattr(MigrationRun, name) + n for name, n in counts.items() if n}, synchronize_session=False)
    db.session.commit()


def _record_outcome(run, item, outcome, actor, numbers):
    """The item's outcome and, for a moved case, its timeline line and audit line."""
    item.outcome = outcome.status
    # Stored as data, worded when a page shows it (a job has no language of its own).
    item.detail = json.dumps([[o.kind, o.process, o.element] for o in outcome.obstacles],
                             ensure_ascii=False) if outcome.obstacles else None
    if outcome.status == "migrated":
        case_id = outcome.case_id or db.session.get(ProcessInstance, item.instance_id).case_id
        db.session.add(CaseEvent(case_id=case_id, kind="migrated", actor_id=getattr(actor, "id", None),
                                 comment=f"{run.process_id} v{numbers[0]} → v{numbers[1]}", at=utcnow()))
        audit.record(actor, "case_migrated", "process_instance", item.instance_id,
                     detail=f"run {run.id}: v{run.from_version_id}->v{run.to_version_id}")


def _migrate_item(run_id, item_id, instance_id, target, actor, numbers):
    """One instance in one transaction; a failure is recorded on the item and the run goes on."""
    run = db.session.get(MigrationRun, run_id)
    try:
        # The item is re-read under the instance's lock: a second job finds it done and stops.
        outcome = engine_migration.migrate_instance(instance_id, target, run.follow_new_deadlines, actor)
        item = db.session.get(MigrationItem, item_id, populate_existing=True)
        if item.outcome is not None:
            db.session.rollback()
            return
        _record(run, item, outcome, actor, numbers)
        db.session.commit()
    except Exception as err:  # noqa: BLE001 - one broken case must not stop the run for the others
        db.session.rollback()
        log.exception("migrating instance %s in run %s failed", instance_id, run_id)
        item = db.session.get(MigrationItem, item_id)
        run = db.session.get(MigrationRun, run_id)
        if item.outcome is None:
            item.outcome, item.detail = "failed", str(err)[:500]
            db.session.query(MigrationRun).filter_by(id=run_id).update(
                {"skipped": MigrationRun.skipped + 1}, synchronize_session=False)
            db.session.commit()


def run_progress(run_id):
    """The run's counters for the progress bar (a plain dictionary, for JSON)."""
    db.session.expire_all()
    run = db.get_or_404(MigrationRun, run_id)
    return {"status": run.status, "total": run.total, "done": run.done, "migrated": run.migrated,
            "incompatible": run.incompatible, "skipped": run.skipped,
            "percent": int(100 * run.done / run.total) if run.total else 100}


def run_items(run_id, outcomes=("incompatible", "failed"), limit=LIST_LIMIT):
    """The cases of a run that did not move, each with its reasons worded for the page."""
    items = (MigrationItem.query.filter(MigrationItem.run_id == run_id, MigrationItem.outcome.in_(outcomes))
             .order_by(MigrationItem.id).limit(limit).all())
    shown = []
    for item in items:
        if item.outcome == "incompatible" and item.detail:
            reasons = obstacle_texts(engine_migration.Obstacle(*each) for each in json.loads(item.detail))
        else:
            reasons = [_("迁移出错，案件保持原版本（详情见服务器日志）。")]
        instance = db.session.get(ProcessInstance, item.instance_id)
        shown.append({"item": item, "case": instance.case, "reasons": reasons})
    return shown
