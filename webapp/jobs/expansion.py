"""Expansion jobs (参保扩面): primitive ids in, a webapp service call out, commit, re-raise."""
from .context import app_context
from webapp import clock
from webapp.extensions import db
from webapp.services.expansion import drives, targets

_SLICE = 50  # villages whose follow-ups open per commit: a killed job loses at most one slice


def build_targets(run_id):
    """Build a run's target list (reads the run's department files once; twice builds nothing new)."""
    with app_context():
        try:
            count = targets.build_list(run_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return count


def open_due_follow_ups():
    """Bring back the targets whose follow-up date has come, a slice of villages per commit."""
    with app_context():
        total = 0
        while True:
            try:
                opened = drives.open_due_follow_ups(clock.now().date(), limit=_SLICE)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            total += opened
            if opened < _SLICE:
                return total
