"""Change request jobs: primitive ids in, a webapp service call out, commit, re-raise."""
from .context import app_context
from webapp import clock
from webapp.extensions import db
from webapp.models import ComparisonRun, User
from webapp.services.casework import changes_auto, surveys

_SLICE = 200  # review cases opened per commit: a killed job loses at most one slice


def raise_from_run(run_id, actor_id=None):
    """Raise a run's change requests (idempotent), then open their review cases a slice per commit."""
    with app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        try:
            raised = changes_auto.raise_from_run(run_id, actor)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        county = db.session.get(ComparisonRun, run_id).county_code
        started = 0
        while True:
            count = changes_auto.start_pending_reviews(_SLICE, actor, county_code=county)
            db.session.commit()
            started += count
            if count < _SLICE:
                return {"raised": raised, "cases": started}


def open_due_surveys():
    """Open the periodic village surveys that are due today (a slice per commit; twice opens nothing)."""
    with app_context():
        total = 0
        while True:
            opened = surveys.open_due_surveys(clock.now().date(), limit=50)
            db.session.commit()
            total += opened
            if opened < 50:
                return total
