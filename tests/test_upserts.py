"""Upserts compiled once per database kind (infra.upserts): the same rows as the constructs they replace."""
from datetime import date

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.dialects import postgresql, sqlite

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


def _statements_sent(run):
    """What ``run()`` sends to the database: the INSERT statements (chained ones too), in order."""
    sent = []

    def listen(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith(("INSERT", "WITH")):
            sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return sent


def _notifications(prefix):
    rows = db.session.execute(select(Notification.user_id, Notification.kind, Notification.message,
                                     Notification.detail, Notification.dedupe_key, Notification.created_at)
                              .where(Notification.dedupe_key.like(f"{prefix}:%")).order_by(Notification.id)).all()
    return [(r.user_id, r.kind, r.message, r.detail, r.dedupe_key[len(prefix):], r.created_at) for r in rows]


def test_many_rows_give_what_the_dialect_construct_gave_in_one_statement(app, county):
    # The multi-row path replaced the dialect's construct (one multi-row INSERT ... ON CONFLICT DO
    # NOTHING): the same rows come out, duplicates of an existing key and within the list skipped.
    with app.app_context():
        ids = [user(name).id for name in ("village1", "township", "county")]
        now = db.session.execute(select(func.now())).scalar()
        table = Notification.__table__

        def rows(prefix):
            values = [{"user_id": ids[n % 3], "kind": "digest", "case_id": None, "inbox_task_id": None,
                       "message": f"m{n}", "detail": {"n": n, "文": "字"}, "created_at": now,
                       "dedupe_key": f"{prefix}:{n % 290}"} for n in range(300)]
            return values[:1], values[1:]

        first, rest = rows("old")
        construct = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.engine.dialect.name]
        for batch in (first, rest):
            db.session.execute(construct(table).on_conflict_do_nothing(index_elements=["dedupe_key"]), batch)
        first, rest = rows("new")
        upserts.upsert_rows(db.session, table, ("dedupe_key",), first)
        sent = _statements_sent(lambda: upserts.upsert_rows(db.session, table, ("dedupe_key",), rest))
        db.session.commit()
        assert len(_notifications("new")) == 290
        assert _notifications("new") == _notifications("old")
        assert len(sent) == 1  # one multi-row INSERT


def test_one_row_is_the_statement_on_conflict_gives(app):
    with app.app_context():
        row = {"county_code": "990101", "township_code": "", "day": date(2026, 6, 2), "measure": "bench_z", "value": 4}
        statement = upserts.on_conflict(db.session.get_bind(), ProgressDaily.__table__, _KEYS, ("value",), add=True)
        sent = _statements_sent(lambda: upserts.upsert_rows(db.session, ProgressDaily.__table__, _KEYS, [row],
                                                            ("value",), add=True))
        assert sent == [str(statement.compile(db.engine))]
        assert _value("bench_z") == 4


def test_many_rows_add_to_existing_ones(app):
    with app.app_context():
        rows = [{"county_code": "990101", "township_code": "", "day": date(2026, 6, 3), "measure": f"bench_{n}",
                 "value": n + 1} for n in range(3)]
        for _ in range(2):
            upserts.upsert_rows(db.session, ProgressDaily.__table__, _KEYS, rows, ("value",), add=True)
        db.session.commit()
        assert [_value(f"bench_{n}") for n in range(3)] == [2, 4, 6]
def test_a_counter_bump_adds_to_the_day_and_the_total_in_one_statement_on_postgresql(app):
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        sent = _statements_sent(lambda: progress.bump("990101", "990101100000", "990101100001", "bench_z", 2,
                                                      day=date(2026, 6, 1)))
        assert len(sent) == (1 if postgres else 2)
        progress.bump("990101", "990101100000", "990101100001", "bench_z", 3, day=date(2026, 6, 1))
        db.session.commit()
        assert _value("bench_z") == 5
        totals = select(ProgressTotal.value).where(ProgressTotal.measure == "bench_z")
        assert db.session.execute(totals).scalar_one() == 5
