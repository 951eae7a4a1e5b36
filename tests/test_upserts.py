"""Upserts compiled once per database kind (infra.upserts): the same rows as the constructs they replace."""
from datetime import date

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.infra import upserts
from webapp.models import Notification, ProgressDaily, ProgressTotal
from webapp.services import notifications
from webapp.services.campaign import progress

from .helpers import user

_KEYS = ("county_code", "township_code", "day", "measure")


def _value(measure):
    return db.session.execute(select(ProgressDaily.value).where(ProgressDaily.measure == measure)).scalar_one()


def test_add_increases_the_row_and_the_statement_is_compiled_once(app):
    with app.app_context():
        bind = db.session.get_bind()
        statement = upserts.on_conflict(bind, ProgressDaily.__table__, _KEYS, ("value",), add=True)
        assert upserts.on_conflict(bind, ProgressDaily.__table__, _KEYS, ("value",), add=True) is statement
        row = {"county_code": "990101", "township_code": "", "day": date(2026, 6, 1), "measure": "bench_x", "value": 2}
        db.session.execute(statement, row)
        db.session.execute(statement, dict(row, value=3))
        db.session.commit()
        assert _value("bench_x") == 5


def test_replace_takes_the_new_value(app):
    with app.app_context():
        statement = upserts.on_conflict(db.session.get_bind(), ProgressDaily.__table__, _KEYS, ("value",))
        row = {"county_code": "990101", "township_code": "", "day": date(2026, 6, 1), "measure": "bench_y", "value": 2}
        db.session.execute(statement, row)
        db.session.execute(statement, dict(row, value=7))
        db.session.commit()
        assert _value("bench_y") == 7


def test_do_nothing_keeps_the_first_row_and_json_survives(app, county):
    with app.app_context():
        village1 = user("village1")
        for message in ("first", "second"):
            notifications.insert_ignoring_duplicates([{"user_id": village1.id, "kind": "assigned", "message": message,
                                                       "detail": {"reason": "门锁"}, "dedupe_key": "k:1"}])
        db.session.commit()
        rows = db.session.execute(select(Notification.message, Notification.detail)
                                  .where(Notification.dedupe_key == "k:1")).all()
        assert [(r.message, r.detail) for r in rows] == [("first", {"reason": "门锁"})]


def test_a_column_default_left_out_is_refused(app):
    with app.app_context():
        with pytest.raises(ValueError, match="township_code"):
            upserts.on_conflict(db.session.get_bind(), ProgressDaily.__table__, ("county_code", "day", "measure"),
                                ("value",))


def test_a_counter_bump_adds_to_the_day_and_the_total_in_one_statement_on_postgresql(app):
    with app.app_context():
        bind = db.session.get_bind()
        daily = upserts.on_conflict(bind, ProgressDaily.__table__, _KEYS, ("value",), add=True)
        total = upserts.on_conflict(bind, ProgressTotal.__table__,
                                    ("county_code", "township_code", "village_code", "measure"), ("value",), add=True)
        both = upserts.together(bind, (daily, total))
        assert (both is None) == (bind.dialect.name != "postgresql")
        if both is not None:
            assert upserts.together(bind, (daily, total)) is both
        for delta in (2, 3):
            progress.bump("990101", "990101100000", "990101100001", "bench_z", delta, day=date(2026, 6, 1))
        db.session.commit()
        assert _value("bench_z") == 5
        totals = select(ProgressTotal.value).where(ProgressTotal.measure == "bench_z")
        assert db.session.execute(totals).scalar_one() == 5
