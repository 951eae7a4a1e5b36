"""Job functions. Each takes primitive ids, reloads rows, commits, re-raises failures."""
from workers.app import app_context


def start_registration_cases(household_ids):
    """Start a registration case for each household that has none yet (safe to run twice)."""
    from webapp.extensions import db
    from webapp.models import Case, Household
    from webapp.services import cases

    started = 0
    with app_context():
        for household_id in household_ids:
            if Case.query.filter_by(household_id=household_id, kind="registration").first():
                continue
            household = db.session.get(Household, household_id)
            if household is None:
                continue
            cases.start_registration_case(household)
            db.session.commit()
            started += 1
    return started


def fire_timers(instance_id):
    """Fire the due timers of one process instance."""
    from webapp import engine
    from webapp.extensions import db

    with app_context():
        fired = engine.fire_due_timers(instance_id)
        db.session.commit()
        return fired
