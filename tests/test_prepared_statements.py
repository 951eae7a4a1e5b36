"""Server-side prepared statements (webapp/infra/prepared.py): PostgreSQL only.

Each statement runs three times on one connection: plain, then PREPARE + EXECUTE, then EXECUTE;
the three results must be the same rows with the same Python types. What went out is read from
psycopg2's ``cursor.query`` (SQLAlchemy's listeners see the statement's own text)."""
import datetime
import decimal
import os

import pytest
from sqlalchemy import bindparam, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from webapp.extensions import db
from webapp.infra import prepared

needs_pg = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL only")

TABLE = """CREATE TABLE prep_probe (
    id integer PRIMARY KEY, name varchar(40), note text, flag boolean, amount numeric(10, 2),
    ratio double precision, real_ratio real, at timestamptz, day date, doc jsonb, blob bytea, tags text[], small smallint)"""
ROWS = [
    {"id": 1, "name": "a%b", "note": None, "flag": True, "amount": decimal.Decimal("1.50"), "ratio": 0.25, "real_ratio": 1.1,
     "at": datetime.datetime(2026, 6, 1, 8, 30, tzinfo=datetime.timezone.utc), "day": datetime.date(2026, 6, 1),
     "doc": '{"k": [1, 2], "s": "x"}', "blob": b"\x00\xffab", "tags": ["x", "y"], "small": 3},
    {"id": 2, "name": "abc", "note": "n", "flag": False, "amount": decimal.Decimal("2.00"), "ratio": 1.5, "real_ratio": 2.0,
     "at": datetime.datetime(2026, 6, 2, 23, 0, tzinfo=datetime.timezone.utc), "day": datetime.date(2026, 6, 2),
     "doc": '{"k": null}', "blob": b"", "tags": [], "small": -1},
]


@pytest.fixture
def probe(app):
    """A table of edge types on the app's engine, with statements captured as the driver got them."""
    engine = db.engine
    assert prepared.enable(engine)  # already on: the switch defaults on for PostgreSQL
    sent = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        sent.append(cursor.query.decode())  # what psycopg2 sent last, values written in

    def failed(context):
        cursor = getattr(context.execution_context, "cursor", None)
        if cursor is not None and cursor.query:
            sent.append(cursor.query.decode())

    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS prep_probe"))
        conn.execute(text(TABLE))
        conn.execute(text("INSERT INTO prep_probe VALUES (:id, :name, :note, :flag, :amount, :ratio, :real_ratio, :at, :day, "
                          "CAST(:doc AS jsonb), :blob, :tags, :small)"), ROWS)
    event.listen(engine, "after_cursor_execute", capture)
    event.listen(engine, "handle_error", failed)
    yield engine, sent
    event.remove(engine, "after_cursor_execute", capture)
    event.remove(engine, "handle_error", failed)
    engine.dispose()
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE prep_probe"))


def _three_times(conn, sent, statement, params):
    results, ways = [], []
    for _ in range(3):
        del sent[:]
        rows = conn.execute(statement, params).all()
        results.append([tuple((value, type(value)) for value in row) for row in rows])
        ways.append(sent[-1].startswith("EXECUTE"))
    assert results[0] == results[1] == results[2], statement
    return results[0], ways


@needs_pg
@pytest.mark.parametrize("sql, params, rows, executed", [
    ("SELECT id, note FROM prep_probe WHERE note IS NOT DISTINCT FROM :note ORDER BY id", {"note": None}, 1, True),
    ("SELECT id, at, day FROM prep_probe WHERE at >= :since ORDER BY id",
     {"since": datetime.datetime(2026, 6, 2, 7, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))}, 1, True),
    ("SELECT id FROM prep_probe WHERE day = :day", {"day": datetime.date(2026, 6, 1)}, 1, True),
    ("SELECT doc, doc -> 'k' AS k FROM prep_probe WHERE doc @> CAST(:want AS jsonb)", {"want": '{"s": "x"}'}, 1, True),
    ("SELECT id, flag FROM prep_probe WHERE flag = :flag", {"flag": False}, 1, True),
    ("SELECT amount, ratio FROM prep_probe WHERE amount > :low AND ratio < :high", {"low": decimal.Decimal("1.5"),
                                                                                  "high": 2.0}, 1, True),
    # 1.5 against an integer $n would be rounded to 2 and find row 2: such a value runs as plain text
    ("SELECT id FROM prep_probe WHERE id = :id", {"id": 1.5}, 0, False),
    ("SELECT id FROM prep_probe WHERE small = :n", {"n": 70000}, 0, False),  # beyond smallint: plain
    # a plain 1.1 is numeric and the real column is compared as float8 (no match); a real $n would match
    ("SELECT id FROM prep_probe WHERE real_ratio = :r", {"r": 1.1}, 0, False),
    ("SELECT blob FROM prep_probe WHERE blob = :b", {"b": b"\x00\xffab"}, 1, True),
    ("SELECT tags FROM prep_probe WHERE tags && :tags", {"tags": ["y", "z"]}, 1, True),
    ("SELECT id FROM prep_probe WHERE id = ANY(:ids) ORDER BY id", {"ids": [1, 2]}, 2, True),
    ("SELECT name FROM prep_probe WHERE name LIKE 'a%%' AND id > :id ORDER BY id", {"id": 0}, 2, True),
    ("SELECT name FROM prep_probe WHERE name LIKE :pattern", {"pattern": "a\\%%"}, 1, True),
    ("SELECT :word AS word, CAST(:n AS integer) + 1 AS next", {"word": "w", "n": 4}, 1, True),
])
def test_results_are_the_same_as_plain_statements(probe, sql, params, rows, executed):
    engine, sent = probe
    with engine.connect() as conn:
        result, ways = _three_times(conn, sent, text(sql), params)
    assert len(result) == rows
    assert ways == [False, executed, executed]


@needs_pg
def test_tuples_and_expanding_lists(probe):
    engine, sent = probe
    with engine.connect() as conn:
        # psycopg2 writes a tuple as (a, b): the number of values is not the text's, so never prepared
        for _ in range(3):
            del sent[:]
            rows = conn.exec_driver_sql("SELECT id FROM prep_probe WHERE id IN %(ids)s ORDER BY id",
                                        {"ids": (1, 2)}).all()
            assert rows == [(1,), (2,)] and not sent[-1].startswith("EXECUTE")
        # SQLAlchemy's expanding IN writes one placeholder per value: a text per length, each prepared
        statement = text("SELECT id FROM prep_probe WHERE id IN :ids ORDER BY id").bindparams(
            bindparam("ids", expanding=True))
        result, ways = _three_times(conn, sent, statement, {"ids": [2, 1]})
        assert [row[0][0] for row in result] == [1, 2] and ways == [False, True, True]


@needs_pg
def test_update_rowcount_and_returning(probe):
    engine, sent = probe
    statement = text("UPDATE prep_probe SET note = :note WHERE id >= :id")
    with engine.begin() as conn:
        for expected in (2, 2, 2):
            assert conn.execute(statement, {"note": None, "id": 1}).rowcount == expected
        assert sent[-1].startswith("EXECUTE")
        assert conn.execute(statement, {"note": "z", "id": 3}).rowcount == 0
        returning = text("UPDATE prep_probe SET small = small + :d WHERE id = :id RETURNING small")
        assert [conn.execute(returning, {"d": 1, "id": 1}).scalar_one() for _ in range(3)] == [4, 5, 6]
        assert sent[-1].startswith("EXECUTE")


@needs_pg
def test_a_failed_prepare_leaves_the_transaction_usable(probe):
    engine, sent = probe
    before = prepared.counts["failed"]
    statement = text("SELECT :value IS NULL AS missing")  # PostgreSQL cannot type $1 here
    with engine.begin() as conn:
        conn.execute(text("UPDATE prep_probe SET note = 'kept' WHERE id = :id"), {"id": 2})
        assert [conn.execute(statement, {"value": None}).scalar_one() for _ in range(3)] == [True] * 3
        assert prepared.counts["failed"] == before + 1  # tried once, then known unpreparable
        assert conn.execute(text("SELECT note FROM prep_probe WHERE id = 2")).scalar_one() == "kept"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM prep_probe WHERE id = 2")).scalar_one() == "kept"


@needs_pg
def test_statements_prepared_in_a_rolled_back_transaction_stay_prepared(probe):
    engine, sent = probe
    statement = text("SELECT name FROM prep_probe WHERE id = :id")
    with engine.connect() as conn:
        with conn.begin() as transaction:
            conn.execute(statement, {"id": 1})
            conn.execute(statement, {"id": 1})  # prepared here
            transaction.rollback()
        count = prepared.counts["prepare"]
        with conn.begin():
            assert conn.execute(statement, {"id": 2}).scalar_one() == "abc"
            assert sent[-1].startswith("EXECUTE") and prepared.counts["prepare"] == count
        # a statement that fails while EXECUTEd aborts its transaction as it did before
        insert = text("INSERT INTO prep_probe (id, name) VALUES (:id, :name)")
        with conn.begin():
            conn.execute(insert, {"id": 10, "name": "p"})
            conn.execute(insert, {"id": 11, "name": "q"})
        with pytest.raises(IntegrityError):
            with conn.begin():
                conn.execute(insert, {"id": 10, "name": "again"})
        assert sent[-1].startswith("EXECUTE")
        with conn.begin():
            conn.execute(insert, {"id": 12, "name": "r"})
        assert conn.execute(text("SELECT count(*) FROM prep_probe WHERE id >= :id"), {"id": 10}).scalar() == 3


@needs_pg
def test_a_killed_connection_prepares_again(probe):
    engine, sent = probe
    statement = text("SELECT name FROM prep_probe WHERE id = :id")
    with engine.connect() as conn:
        conn.execute(statement, {"id": 1})
        conn.execute(statement, {"id": 1})
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()
        with pytest.raises(DBAPIError) as raised:
            conn.execute(statement, {"id": 1})
        assert raised.value.connection_invalidated
        conn.rollback()
        count = prepared.counts["prepare"]
        assert [conn.execute(statement, {"id": 2}).scalar_one() for _ in range(3)] == ["abc"] * 3
        assert sent[-1].startswith("EXECUTE") and prepared.counts["prepare"] == count + 1


@needs_pg
def test_a_changed_table_is_prepared_again(probe):
    engine, sent = probe
    statement = text("SELECT small FROM prep_probe WHERE id = :id")
    with engine.connect() as conn:
        assert [conn.execute(statement, {"id": 1}).scalar_one() for _ in range(3)] == [3] * 3
        conn.execute(text("ALTER TABLE prep_probe ALTER COLUMN small TYPE text"))
        conn.commit()
        with pytest.raises(DBAPIError):  # PostgreSQL: cached plan must not change result type
            conn.execute(statement, {"id": 1})
        conn.rollback()
        assert [conn.execute(statement, {"id": 1}).scalar_one() for _ in range(3)] == ["3"] * 3
        assert sent[-1].startswith("EXECUTE")


@needs_pg
def test_the_switch_off_sends_plain_statements(app):
    engine = db.engine
    prepared.disable(engine)
    sent = []
    event.listen(engine, "after_cursor_execute", lambda c, cursor, *rest: sent.append(cursor.query.decode()))
    with engine.connect() as conn:
        for _ in range(3):
            conn.execute(text("SELECT CAST(:n AS integer)"), {"n": 1})
    assert not any(statement.startswith("EXECUTE") for statement in sent)


@needs_pg
def test_my_tasks_runs_its_hot_statements_prepared(county, client):
    engine = db.engine
    sent = []
    event.listen(engine, "after_cursor_execute",
                 lambda c, cursor, statement, parameters, *rest: sent.append((cursor.query.decode(), bool(parameters))))
    client.login("village1")
    for _ in range(2):
        assert client.get("/inbox").status_code == 200
    count = prepared.counts["prepare"]
    del sent[:]
    assert client.get("/inbox").status_code == 200
    with_values = [statement for statement, has in sent if has]
    assert with_values and all(statement.startswith("EXECUTE") for statement in with_values), with_values
    assert prepared.counts["prepare"] == count  # nothing new to prepare on the third load


@needs_pg
def test_an_autocommit_connection_prepares_without_a_transaction(probe):
    engine, sent = probe
    failed = prepared.counts["failed"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        update = text("UPDATE prep_probe SET note = :note WHERE id = :id")
        assert [conn.execute(update, {"note": "auto", "id": 1}).rowcount for _ in range(3)] == [1, 1, 1]
        assert sent[-1].startswith("EXECUTE")
        unknown = text("SELECT CAST(:v AS text) IS NULL, :w IS NULL")
        assert [tuple(conn.execute(unknown, {"v": None, "w": 1}).one()) for _ in range(3)] == [(True, False)] * 3
        assert prepared.counts["failed"] == failed + 1
        in_transaction = conn.exec_driver_sql("SELECT now() = statement_timestamp()").scalar()
        assert in_transaction  # nothing left a transaction open
    with engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM prep_probe WHERE id = 1")).scalar_one() == "auto"


@pytest.mark.parametrize("sql, body, execute", [
    ("SELECT a FROM t WHERE b = %(b)s AND c LIKE 'x%%' AND d = %(b)s OR e = %(e)s",
     "SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d = $1 OR e = $2", "(%(b)s, %(e)s)"),
    ("UPDATE t SET a = %s WHERE id = %s RETURNING a", "UPDATE t SET a = $1 WHERE id = $2 RETURNING a", "(%s, %s)"),
    ("WITH x AS (INSERT INTO t VALUES (%(a)s) RETURNING id) SELECT id FROM x;",
     "WITH x AS (INSERT INTO t VALUES ($1) RETURNING id) SELECT id FROM x", "(%(a)s)"),
])
def test_placeholders_become_numbered_parameters(sql, body, execute):
    statement = prepared.convert(sql)
    assert statement.body == body
    assert statement.execute == f"EXECUTE {statement.name}{execute}"


@pytest.mark.parametrize("sql", [
    "SELECT 1",  # no parameters
    "CREATE TABLE t (a int DEFAULT %(a)s)",  # DDL
    "COPY t FROM STDIN",
    "UPDATE t SET a = %(a)s; DELETE FROM t WHERE b = %(b)s",  # two statements
    "SELECT $$a$$ || %(a)s",  # dollar quotes
    "SELECT a FROM t WHERE a = %(a)s AND b = %s",  # both styles
    "SELECT a FROM t WHERE a = %d",  # not psycopg2's
])
def test_unsafe_texts_are_not_converted(sql):
    assert prepared.convert(sql) is None


@needs_pg
def test_a_connection_keeps_a_bounded_number_of_statements(probe, monkeypatch):
    engine, sent = probe
    monkeypatch.setattr(prepared, "MAX_PER_CONNECTION", 2)
    statements = [text(f"SELECT id + {n} FROM prep_probe WHERE id = :id") for n in range(4)]
    with engine.connect() as conn:
        for _ in range(3):
            for n, statement in enumerate(statements):
                assert conn.execute(statement, {"id": 1}).scalar_one() == 1 + n
                assert sent[-1].startswith("EXECUTE") or _ == 0
        kept = conn.execute(text("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE '\\_sa\\_p%'")).scalar()
        assert kept == 2
