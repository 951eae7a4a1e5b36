"""Expansion jobs: primitive ids in, a webapp service call out, commit, re-raise."""
from workers.app import app_context


def build_targets(run_id):
    """Build a run's target list (reads the run's department files once; twice builds nothing new)."""
    from webapp.extensions import db
    from webapp.services.expansion import targets

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
    from webapp import clock
    from webapp.extensions import db
    from webapp.services.expansion import drives

    with app_context():
        total = 0
        while True:
            try:
                opened = drives.open_due_follow_ups(clock.now().date(), limit=50)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            total += opened
            if opened < 50:
                return total
