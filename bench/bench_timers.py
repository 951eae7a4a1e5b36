"""Benchmark the timer sweep: escalation and reminder throughput and the due-instance query.

    .venv/bin/python bench/bench_timers.py                      # a fresh SQLite file in /tmp
    .venv/bin/python bench/bench_timers.py --db postgresql://postgres@127.0.0.1/timers_bench

The database given is WIPED. Steps:

1. engine sample: real registration cases fired through SpiffWorkflow (what one escalation
   costs on the engine path), for comparison;
2. 200,000 open tasks of which 20,000 are past their deadline: one sweep of the fast path
   (``timers.escalate_overdue`` in batches, a commit each) finds and escalates them; then the
   reminder fast path (``timers.remind_due``) sends every reminder that fell due (those of
   escalated tasks only as timeline events);
3. grown to 1,000,000 tasks (the rest finished): the due-instance query's time and plan.

Bulk rows are synthetic (a placeholder workflow state): steps 2 and 3 never deserialize them.
Prints figures; it is not a test.
"""
import argparse
import csv
import io
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import func, text  # noqa: E402
from webapp import areacodes  # noqa: E402

CHUNK = 20000


def build_app(url, instance_dir):
    from config import Config
    from webapp import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = instance_dir
        TESTING = True

    return create_app(BenchConfig)


def reset_database(url):
    """An empty, migrated database with the demo county's areas, users and diagrams."""
    from flask_migrate import upgrade

    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.synthetic import demo

    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
    upgrade()
    deploy_shipped_diagrams()
    demo.seed(households=0, villages_with_staff=2)
    db.session.commit()


def engine_sample(count):
    """Escalations per second through SpiffWorkflow: start cases, move time, fire each instance."""
    from webapp import clock, engine
    from webapp.extensions import db
    from webapp.models import Area, Household, ProcessInstance
    from webapp.services.casework import cases

    township = Area.query.filter_by(level="township").order_by(Area.code).first()
    for index in range(count):
        household = Household(household_number=f"E{index:08d}", head_name="样本", county_code=areacodes.county_of(township.code),
                              township_code=township.code)
        db.session.add(household)
        db.session.flush()
        cases.start_registration_case(household)
    db.session.commit()
    ids = [i for (i,) in db.session.query(ProcessInstance.id)]
    clock.set_now(clock.now() + timedelta(days=5, minutes=1))  # the deadline only (reminder fired too)
    started = time.perf_counter()
    for instance_id in ids:
        engine.fire_due_timers(instance_id)
        db.session.commit()
    elapsed = time.perf_counter() - started
    clock.set_now(None)
    return len(ids), elapsed


def _areas():
    from webapp.models import Area

    villages = Area.query.filter_by(level="village").all()
    return [(areacodes.county_of(v.code), areacodes.township_of(v.code), v.code) for v in villages]


def _next_id(table):
    from webapp.extensions import db

    return (db.session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0) + 1


def _copy_rows(table, columns, rows):
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite."""
    from webapp.extensions import db

    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["\\N" if value is None else value for value in row])
        buffer.seek(0)
        raw = connection.connection.dbapi_connection
        with raw.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                               buffer)
    else:
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


def load_tasks(total, open_count, overdue_count, now, rng):
    """``total`` synthetic cases, instances and inbox rows: ``open_count`` open, of which
    ``overdue_count`` past their deadline (not escalated yet); the rest finished."""
    from webapp.extensions import db
    from webapp.models import DiagramVersion, User

    version_id = DiagramVersion.query.filter_by(process_id="registration_case").first().id
    township_user = User.query.filter_by(username="township").one().id
    areas = _areas()
    first_case, first_instance, first_task = _next_id("case_file"), _next_id("process_instance"), _next_id("inbox_task")
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    done = 0
    while done < total:
        size = min(CHUNK, total - done)
        case_rows, instance_rows, task_rows = [], [], []
        for offset in range(done, done + size):
            county, township, village = areas[offset % len(areas)]
            is_open = offset < open_count
            late = offset < overdue_count
            due = now + (-1 if late else 1) * timedelta(minutes=rng.randint(5, 10 * 24 * 60))
            due_text = due.strftime("%Y-%m-%d %H:%M:%S")
            reminder_text = (due - timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")
            case_id, instance_id, task_id = first_case + offset, first_instance + offset, first_task + offset
            case_rows.append((case_id, "registration", f"基准户{offset}", county, township, village,
                              "open" if is_open else "completed", stamp))
            instance_rows.append((instance_id, case_id, version_id, "bench", "{}",
                                  "running" if is_open else "completed",
                                  (reminder_text if late else due_text) if is_open else None, 1, stamp, stamp))
            task_rows.append((task_id, case_id, instance_id, str(uuid.UUID(int=rng.getrandbits(128))),
                              "visit_household", "入户调查", "door_to_door_visit", "township", county, township,
                              village, township_user if offset % 2 else None, "ready" if is_open else "completed",
                              due_text, reminder_text, False, stamp))
        _copy_rows("case_file", ("id", "kind", "title", "county_code", "township_code", "village_code", "status",
                                 "created_at"), case_rows)
        _copy_rows("process_instance", ("id", "case_id", "diagram_version_id", "serializer_version", "state",
                                        "status", "next_timer_at", "version", "created_at", "updated_at"),
                   instance_rows)
        _copy_rows("inbox_task", ("id", "case_id", "instance_id", "task_uuid", "task_name", "title", "process_id",
                                  "lane", "county_code", "township_code", "village_code", "assignee_id", "state",
                                  "due_at", "reminder_at", "overdue", "created_at"), task_rows)
        db.session.commit()
        done += size
    if db.engine.dialect.name == "postgresql":
        for table in ("case_file", "process_instance", "inbox_task"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT MAX(id) FROM {table}))"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def sweep_escalations():
    """One sweep of the fast path, as the job runs it: batches until none is left."""
    from webapp.extensions import db
    from webapp.services.casework import timers

    escalated, started = 0, time.perf_counter()
    while True:
        count = timers.escalate_overdue()
        db.session.commit()
        escalated += count
        if count < timers.ESCALATION_BATCH:
            break
    return escalated, time.perf_counter() - started


def sweep_reminders():
    """One sweep of the reminder fast path, as the job runs it."""
    from webapp.extensions import db
    from webapp.services.casework import timers

    reminded, started = 0, time.perf_counter()
    while True:
        count = timers.remind_due()
        db.session.commit()
        reminded += count
        if count < timers.REMINDER_BATCH:
            break
    return reminded, time.perf_counter() - started


def plan_lines(query):
    from webapp.extensions import db

    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if db.engine.dialect.name == "postgresql":
        return [r[0] for r in db.session.execute(text(f"EXPLAIN ANALYZE {sql}"))]
    return [str(r[-1]) for r in db.session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]


def time_query(query, repeat=30):
    from webapp.extensions import db

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        db.session.execute(query).all()
        timings.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(timings), max(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/bench_timers.db", help="database URL (it is wiped)")
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--overdue", type=int, default=20_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--engine-sample", type=int, default=100)
    args = parser.parse_args()
    if args.db.startswith("sqlite:///") and os.path.exists(args.db[len("sqlite:///"):]):
        os.remove(args.db[len("sqlite:///"):])
    app = build_app(args.db, "/tmp/bench_timers_instance")
    rng = random.Random(7)
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import InboxTask, Notification
        from webapp.models.base import utcnow
        from webapp.services.casework import timers

        print(f"database: {db.engine.dialect.name} ({args.db})")
        reset_database(args.db)
        if args.engine_sample:
            count, elapsed = engine_sample(args.engine_sample)
            print(f"engine path: {count} instances fired (deadline + reminder paths) in {elapsed:.2f}s "
                  f"= {count / elapsed:.0f} escalations/s, {elapsed / count * 1000:.1f} ms each")

        now = utcnow()
        started = time.perf_counter()
        load_tasks(args.open, args.open, args.overdue, now, rng)
        print(f"loaded {args.open:,} open tasks ({args.overdue:,} overdue) in {time.perf_counter() - started:.1f}s")
        escalated, elapsed = sweep_escalations()
        notes = db.session.query(func.count(Notification.id)).filter(Notification.kind == "escalated").scalar()
        print(f"fast-path sweep: {escalated:,} escalated in {elapsed:.2f}s = {escalated / elapsed:,.0f} escalations/s "
              f"({notes:,} notifications, {escalated:,} timeline events)")

        reminded, elapsed = sweep_reminders()
        notes = db.session.query(func.count(Notification.id)).filter(Notification.kind == "reminder").scalar()
        print(f"fast-path reminders: {reminded:,} sent in {elapsed:.2f}s = {reminded / elapsed:,.0f} reminders/s "
              f"({notes:,} notifications; escalated tasks get the timeline event only)")

        started = time.perf_counter()
        load_tasks(args.total - args.open, 0, 0, now, rng)
        tasks_now = db.session.query(func.count(InboxTask.id)).scalar()
        print(f"grown to {tasks_now:,} tasks in {time.perf_counter() - started:.1f}s")
        query = timers.due_instances_query(utcnow(), limit=100)
        median, worst = time_query(query)
        print(f"due-instance query (LIMIT 100 of {timers.backlog()['due_instances']:,} due): "
              f"median {median:.2f} ms, max {worst:.2f} ms")
        for line in plan_lines(query):
            print(f"  plan: {line}")
        from sqlalchemy import false, select

        pick = (select(InboxTask.id).where(InboxTask.state == "ready", InboxTask.overdue == false(),
                                           InboxTask.due_at <= utcnow()).order_by(InboxTask.due_at).limit(1000))
        median, worst = time_query(pick)
        print(f"escalation candidate query (LIMIT 1000): median {median:.2f} ms, max {worst:.2f} ms")
        for line in plan_lines(pick):
            print(f"  plan: {line}")


if __name__ == "__main__":
    main()
