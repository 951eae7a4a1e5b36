"""Intake job functions: primitive ids in, a webapp service call out, commit, re-raise."""
import logging

from .context import app_context
from webapp.extensions import db
from webapp.models import User
from webapp.services.intake import (importing as intake_import, mapping as intake_mapping, problems as intake_problems,
                                    runs as intake_runs, work as intake_work)

log = logging.getLogger(__name__)
_SLICE = 200  # cases started per commit: a killed job loses at most one slice


def import_file(path, source, actor_id=None, file_name=None, mapping=None, batch_id=None, period=None,
                county_code=None):
    """Import one uploaded file (all or nothing); returns the outcome's status and batch id.

    ``county_code`` is the uploader's county (the upload passes it); without it the uploader's
    area, else the campaign's county (the COUNTY_CODE setting or the loaded areas) decides.

    ``batch_id`` is the row the upload made: the import continues it, and the uploader is
    told in the app how it ended (a file waiting for mapping is told by the service itself).
    """
    with app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        county = county_code or (actor.area.county_code if actor else None)
        try:
            outcome = intake_import.import_file(path, source, file_name=file_name, actor=actor,
                                                county_code=county, mapping=mapping, batch_id=batch_id,
                                                period=period)
            if batch_id is not None and outcome.status != "needs_mapping":
                intake_mapping.notify_done(outcome.batch, actor)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            if batch_id is not None:  # the page polling this batch must not wait for ever
                intake_import.mark_failed(batch_id, exc)
                db.session.commit()
            raise
        return {"status": outcome.status, "batch_id": getattr(outcome.batch, "id", None),
                "message": outcome.message}


def run_comparison(run_id):
    """Run one comparison (the service commits its progress and results in steps)."""
    with app_context():
        return intake_runs.run_comparison(run_id)


def start_problem_cases(run_id, actor_id=None):
    """Open problem cases for a run's open problems, a slice per commit (safe to run twice)."""
    total = 0
    with app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        while True:
            started = intake_problems.start_problem_cases(run_id, actor, limit=_SLICE)
            db.session.commit()
            total += started
            if started < _SLICE:
                return total


def start_registration_cases(run_id, actor_id=None):
    """Open registration cases for a run's uninsured households, a slice per commit."""
    total = 0
    with app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        last = None
        while True:
            outcome = intake_work.start_registration_cases(run_id, actor, limit=_SLICE, after=last)
            db.session.commit()
            total += outcome["started"]
            last = outcome["last"]
            if last is None:
                return total


def confirm_into_registry(run_id, actor_id=None):
    """Enter a run's confirmed people into the registry, a slice per commit."""
    total = 0
    with app_context():
        actor = db.session.get(User, actor_id) if actor_id else None
        while True:
            written = intake_work.confirm_into_registry(run_id, actor, limit=2000)
            db.session.commit()
            total += written
            if written < 2000:
                return total
