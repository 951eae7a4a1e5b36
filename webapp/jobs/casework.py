"""Job functions. Each takes primitive ids, reloads rows, commits, re-raises failures."""
import logging
import time
from datetime import date

from .context import app_context
from webapp import engine
from webapp.extensions import db
from webapp.models import User
from webapp.services import notifications
from webapp.services.admin import migration
from webapp.services.campaign import bulletins
from webapp.services.casework import timers

log = logging.getLogger(__name__)


class SweepFailures(RuntimeError):
    """Some instances failed to fire; the others were fired and committed."""


def sweep_timers(max_seconds=90):
    """Escalate overdue tasks, send due reminders and fire every due timer, from the database only.

    Escalations and reminders take the fast path first (no workflow is loaded); the engine then
    catches up instance by instance and finds them done.

    Safe to run twice and beside other sweeps: each task escalation and each instance firing is
    claimed in the database (SKIP LOCKED on PostgreSQL, the write lock on SQLite) and committed
    on its own, so a killed sweep loses at most the instance in hand, which the next sweep
    fires. Failed instances are skipped for this run and reported by raising at the end.
    """
    stop_at = time.monotonic() + max_seconds
    result = {"escalated": 0, "reminded": 0, "fired": 0, "failed": 0}
    skipped = set()
    with app_context():
        while time.monotonic() < stop_at:
            count = timers.escalate_overdue()
            db.session.commit()
            result["escalated"] += count
            if count < timers.ESCALATION_BATCH:
                break
        while time.monotonic() < stop_at:  # after escalations: an escalated task reminds nobody
            count = timers.remind_due()
            db.session.commit()
            result["reminded"] += count
            if count < timers.REMINDER_BATCH:
                break
        while time.monotonic() < stop_at:
            instance_id = timers.claim_due_instance(exclude=skipped)
            if instance_id is None:
                db.session.rollback()
                break
            try:
                engine.fire_due_timers(instance_id)
                db.session.commit()
            except Exception:  # one broken instance must not stop the sweep for the others
                db.session.rollback()
                log.exception("firing timers of instance %s failed", instance_id)
                skipped.add(instance_id)
                result["failed"] += 1
                continue
            result["fired"] += 1
            if timers.still_due(instance_id):
                log.warning("instance %s is still due after firing; skipped this sweep", instance_id)
                skipped.add(instance_id)
            db.session.rollback()  # end the read so the next claim starts a fresh transaction
    if result["failed"]:
        raise SweepFailures(f"{result['failed']} instance(s) failed to fire: {sorted(skipped)[:20]}")
    return result


def daily_digests():
    """Write today's digests for users who have none yet (safe to run twice)."""
    with app_context():
        written = notifications.build_daily_digests()
        db.session.commit()
        return written



def migrate_cases(run_id):
    """Move the cases of one migration run to its target version (safe to run twice)."""
    with app_context():
        return migration.run_migration(run_id)


def produce_bulletins(county_code=None, as_of=None, actor_id=None):
    """The weekly bulletin of every county, as of yesterday (skipped where it exists already); or,
    from the bulletins page's button, one bulletin of ``county_code`` as of ``as_of`` (ISO date)
    produced on demand for user ``actor_id``."""
    with app_context():
        if county_code is None:
            made = bulletins.produce_scheduled()
        else:
            made = [bulletins.produce(county_code, date.fromisoformat(as_of), actor=db.session.get(User, actor_id),
                                      trigger="on_demand")]
        db.session.commit()
        return [bulletin.id for bulletin in made]
