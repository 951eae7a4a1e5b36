"""PostgreSQL connections keep their prepared statements across a rollback (webapp/infra/pg_connections.py),
and a rollback still undoes the transaction."""
import pytest
from sqlalchemy import text

from .conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="prepared statements are psycopg 3's, on PostgreSQL")

PROBE = text("SELECT count(*) FROM kept_probe WHERE n >= :n")


def _prepared(conn):
    return conn.execute(text("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
                             "WHERE statement LIKE :like"), {"like": "SELECT count(*) FROM kept_probe%"}).all()


def _probe_table(conn):
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS kept_probe (n integer)")
    conn.commit()


def test_a_rollback_undoes_the_writes_and_keeps_the_prepared_statements(app):
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        _probe_table(conn)
        for _ in range(6):  # psycopg prepares a statement on its sixth run (threshold 5)
            conn.execute(PROBE, {"n": 0}).scalar()
        conn.exec_driver_sql("INSERT INTO kept_probe VALUES (1)")
        assert conn.execute(PROBE, {"n": 0}).scalar() == 1
        conn.rollback()

        assert conn.execute(PROBE, {"n": 0}).scalar() == 0  # the insert is gone
        (statement, runs), = _prepared(conn)
        assert runs == 3  # prepared once, and run by name on both later calls
        conn.rollback()


def test_a_failed_transaction_rolls_back_and_the_prepared_statement_still_runs(app):
    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        _probe_table(conn)
        for _ in range(6):
            conn.execute(PROBE, {"n": 0}).scalar()
        with pytest.raises(Exception, match="division by zero"):
            conn.exec_driver_sql("SELECT 1 / 0")
        conn.rollback()

        assert conn.execute(PROBE, {"n": 0}).scalar() == 0
        assert len(_prepared(conn)) == 1
        conn.rollback()
