"""Migration of running cases to a new diagram version: cases per second, through the job's code.

    .venv/bin/python bench/bench_migration.py                  # SQLite (embedded default)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_migration.py

A few hundred registration cases are started through the engine (half at distribution, half
at the visit); they are then cloned, with fresh task ids, up to BENCH_MIGRATE_CASES running
instances of real state. The new version lengthens the visit deadline and adds a step after
the visit (the test suite's change). The timed part is the RQ job's body, ``run_migration``.
"""
import os
import re
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, scratch_app  # noqa: E402
from webapp import areacodes  # noqa: E402

CASES = int(os.environ.get("BENCH_MIGRATE_CASES", "10000"))
SEEDS = int(os.environ.get("BENCH_MIGRATE_SEEDS", "100"))
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _seed_cases(count):
    """Start ``count`` real cases: half stay at distribution, half move on to the visit."""
    from webapp.extensions import db
    from webapp.models import Household, InboxTask
    from webapp.services.casework import cases, tasks
    from webapp.synthetic.demo import seed

    seed(households=0, villages_with_staff=2)
    from webapp.models import Area, User

    township = User.query.filter_by(role="township").first()
    visitor = User.query.filter_by(role="village").first()
    area = Area.query.filter_by(code=township.area.code).one()
    for index in range(count):
        household = Household(household_number=f"M{index:08d}", head_name="测试户", county_code=areacodes.county_of(area.code),
                              township_code=area.code, address="测试地址")
        db.session.add(household)
        db.session.flush()
        case = cases.start_registration_case(household)
        if index % 2:
            db.session.flush()
            row = InboxTask.query.filter_by(case_id=case.id, state="ready").one()
            cases.claim(row, township)
            tasks.assign_household(row, township, visitor.area.code, visitor.id)
    db.session.commit()


def _clone_to(total):
    """Copy the seeded instances (state, case, open inbox rows) with fresh task ids up to ``total``."""
    from sqlalchemy import insert

    from webapp.extensions import db
    from webapp.models import Case, InboxTask, ProcessInstance

    seeds = ProcessInstance.query.filter_by(status="running").order_by(ProcessInstance.id).all()
    templates = [(i, i.case, InboxTask.query.filter_by(instance_id=i.id, state="ready").all()) for i in seeds]
    made = len(seeds)
    while made < total:
        chunk = min(1000, total - made)
        case_rows, instance_rows, task_rows = [], [], []
        first_case = (db.session.query(db.func.max(Case.id)).scalar() or 0) + 1
        first_instance = (db.session.query(db.func.max(ProcessInstance.id)).scalar() or 0) + 1
        for n in range(chunk):
            instance, case, rows = templates[n % len(templates)]
            mapping = {}

            def fresh(match):
                return mapping.setdefault(match.group(0), str(uuid.uuid4()))
            state = _UUID.sub(fresh, instance.state)
            case_rows.append({"id": first_case + n, "kind": "registration", "title": case.title, "status": "open",
                              "county_code": case.county_code, "township_code": case.township_code,
                              "village_code": case.village_code, "visitor_id": case.visitor_id,
                              "current_step": case.current_step, "created_at": case.created_at})
            instance_rows.append({"id": first_instance + n, "case_id": first_case + n,
                                  "diagram_version_id": instance.diagram_version_id, "status": "running",
                                  "serializer_version": instance.serializer_version, "state": state, "version": 1,
                                  "next_timer_at": instance.next_timer_at, "created_at": instance.created_at,
                                  "updated_at": instance.updated_at})
            for row in rows:
                task_rows.append({"case_id": first_case + n, "instance_id": first_instance + n,
                                  "task_uuid": mapping[row.task_uuid], "task_name": row.task_name,
                                  "title": row.title, "process_id": row.process_id, "lane": row.lane,
                                  "county_code": row.county_code, "township_code": row.township_code,
                                  "village_code": row.village_code, "assignee_id": row.assignee_id,
                                  "state": "ready", "overdue": False, "due_at": row.due_at,
                                  "reminder_at": row.reminder_at, "created_at": row.created_at})
        db.session.execute(insert(Case), case_rows)
        db.session.execute(insert(ProcessInstance), instance_rows)
        db.session.execute(insert(InboxTask), task_rows)
        db.session.commit()
        made += chunk
    if db.engine.dialect.name == "postgresql":
        for table in ("case_file", "process_instance"):
            db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def main():
    app = scratch_app("migration")
    label = backend_name(app)
    with app.app_context():
        from tests.migration_support import deploy_precheck_version
        from webapp.cli import deploy_shipped_diagrams
        from webapp.extensions import db
        from webapp.models import ProcessInstance, User
        from webapp.services.admin import migration

        deploy_shipped_diagrams()
        db.session.commit()
        started = time.perf_counter()
        _seed_cases(SEEDS)
        _clone_to(CASES)
        setup = time.perf_counter() - started
        old, new = deploy_precheck_version()
        admin = User.query.filter_by(role="admin").first()
        run = migration.start_run(old.id, None, False, admin)
        db.session.commit()
        run_id, new_id = run.id, new.id
        db.session.expunge_all()
        load_before = os.getloadavg()
        start, cpu_start = time.perf_counter(), time.process_time()
        counters = migration.run_migration(run_id)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        load_after = os.getloadavg()
        moved = ProcessInstance.query.filter_by(diagram_version_id=new_id).count()
    print(f"[{label}] set-up of {CASES:,} running cases: {setup:.1f} s")
    print(f"[{label}] migration of {CASES:,} running cases: {seconds:.1f} s = {CASES / seconds:,.0f} cases/s "
          f"(target >= 200); counters {counters}; on the new version: {moved:,}")
    # On a shared machine the wall clock mostly measures the other processes; the CPU time this
    # process used says what one free core would do (the database server's own CPU not included).
    print(f"[{label}] CPU time of the migrating process: {cpu:.1f} s = {CASES / cpu:,.0f} cases per CPU-second")
    print(f"[{label}] load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1-minute; {os.cpu_count()} CPUs, shared machine)")


if __name__ == "__main__":
    main()
