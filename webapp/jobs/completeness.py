"""Completeness jobs: re-check the kept gap counts of villages, one township per commit.

The county's completeness list and the dashboard's village rows read the counts kept by the last
check; pages check when opened, and this job checks every village periodically, so a village
declared complete that has new gaps shows them within the job's interval even if nobody opens it.
"""
from .context import app_context
from webapp.extensions import db
from webapp.models import Area
from webapp.services.campaign import completion


def recheck_villages():
    """Check every township's villages afresh and keep their counts; returns how many villages."""
    with app_context():
        checked = 0
        for township in Area.query.filter_by(level="township").order_by(Area.code).all():
            try:
                checked += len(completion.recheck_township(township))
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
        return checked


def recheck_township(township_code):
    """Check one township's villages afresh (the township page's "check again" button)."""
    with app_context():
        township = Area.query.filter_by(code=township_code, level="township").one_or_none()
        if township is None:
            return 0
        try:
            found = completion.recheck_township(township)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        return len(found)
