"""Expansion: building a run's target list (targets/s) and the county conversion report (ms).

    .venv/bin/python bench/bench_expansion.py                       # 530,000 people, SQLite in /tmp
    BENCH_PEOPLE=50000 BENCH_UNINSURED=6000 .venv/bin/python bench/bench_expansion.py
    DATABASE_URL=postgresql://postgres@127.0.0.1/reg_x .venv/bin/python bench/bench_expansion.py

The county is built straight into the database (bench/bench_intake.py times the import and the
comparison that produce it): BENCH_PEOPLE people over the county's villages, a done comparison run
with a result row for each, BENCH_UNINSURED of them uninsured, and the run's household register and
social insurance batches as stored chunks (one row per person each: occupation, household type,
population kind, current address; scheme, status, employer), which building the list reads whole.
Then: ``targets.build_list`` (the job's work: read the batches, insert the targets, group them by
the rules in one UPDATE), a regroup after a rule change, a drive's worth of contacts set straight on
the rows (staff, outcome), a later run where BENCH_CONVERTED of the uninsured are enrolled,
``conversion.mark`` (the UPDATE that ends each run, with the tally rebuilt) and the county's
conversion report read from the maintained tally (median of five). The database given is WIPED. Prints figures; it is not a test.
"""
import os
import random
import statistics
import sys
import time
from datetime import date, datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, county_people, timed_build  # noqa: E402
from webapp.areacodes import township_of  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "530000"))
UNINSURED = int(os.environ.get("BENCH_UNINSURED", "60000"))
CONVERTED = int(os.environ.get("BENCH_CONVERTED", str(UNINSURED // 4)))
CHUNK = 5000
AS_OF, LATER = date(2024, 6, 30), date(2024, 12, 31)
JOBS = ("农民", "农民", "务工", "个体", "职工", "无业", "退休", "")


def _batch(source, columns_of, ids, rng):
    """An imported batch of ``source`` with one row per ID, stored as chunks like an import stores them."""
    from webapp.extensions import db
    from webapp.infra.bulk import insert_tuples
    from webapp.intake.chunks import encode_chunk
    from webapp.intake.validate import ValidatedChunk
    from webapp.models import ImportBatch, IntakeChunk

    batch = ImportBatch(source=source, file_name=f"{source}.xlsx", file_hash=source * 2, status="imported",
                        county_code="341721", rows_total=len(ids), records=len(ids))
    db.session.add(batch)
    db.session.flush()
    rows = []
    for seq, start in enumerate(range(0, len(ids), CHUNK)):
        part = ids[start:start + CHUNK]
        chunk = ValidatedChunk(list(range(start + 2, start + 2 + len(part))), columns_of(part, rng), [], {})
        rows.append((batch.id, seq, len(part), encode_chunk(source, chunk)))
    insert_tuples(IntakeChunk, ["batch_id", "seq", "rows", "payload"], rows)
    return batch.id


def _register_columns(part, rng):
    return {"id_number": part, "occupation": [rng.choice(JOBS) for _ in part],
            "hukou_type": [rng.choice(("agricultural", "agricultural", "non_agricultural", None)) for _ in part],
            "register_kind": ["registered"] * len(part),
            "current_address": [("广东省东莞市务工租住地" if rng.random() < 0.1 else "安徽省池州市东至县某村")
                                for _ in part]}


def _insurance_columns(part, rng):
    ended = [rng.random() < 0.05 for _ in part]
    return {"id_number": part, "scheme": ["enterprise_pension" if e else "resident_medical" for e in ended],
            "enroll_status": ["terminated" if e else "active" for e in ended],
            "employer": ["东至县某有限公司" if e else None for e in ended]}


def build(app):
    """Areas, two done runs (the later one converting some targets), the batches; returns (run1, run2)."""
    from webapp.extensions import db
    from webapp.infra.bulk import insert_tuples
    from webapp.intake.schemes import SCHEMES_BY_CODE
    from webapp.models import ComparisonResult, ComparisonRun

    rng = random.Random(20170525)
    with app.app_context():
        _villages, ids, where = county_people(PEOPLE, rng)
        uninsured = set(rng.sample(ids, UNINSURED))
        converted = set(rng.sample(sorted(uninsured), CONVERTED))
        batches = [_batch("public_security", _register_columns, ids, rng),
                   _batch("social_insurance", _insurance_columns, ids, rng)]
        both = SCHEMES_BY_CODE["resident_pension"].bit | SCHEMES_BY_CODE["resident_medical"].bit
        runs = []
        for as_of, now_insured in ((AS_OF, set()), (LATER, converted)):
            run = ComparisonRun(status="done", county_code="341721", as_of=as_of, batch_ids=batches,
                                finished_at=datetime.now())
            db.session.add(run)
            db.session.flush()
            runs.append(run.id)
            columns = ["run_id", "id_number", "status", "problems", "missing", "name", "household_no",
                       "in_register", "non_local", "insured_elsewhere", "schemes", "county_code", "township_code",
                       "village_code"]
            rows = []
            for i in ids:
                open_ = i in uninsured and i not in now_insured
                rows.append((run.id, i, "uninsured" if open_ else "confirmed", "", "pension;medical" if open_ else "",
                             "张三", "H" + i[-8:], True, False, False, 0 if open_ else both, "341721",
                             township_of(where[i]), where[i]))
            insert_tuples(ComparisonResult, columns, rows)
            db.session.commit()
        return runs


def _contacts(run_id):
    """A drive's worth of contacts set straight on a third of the targets: each village's by its own
    assistant, as drive rounds are worked (staff, outcome, date)."""
    from webapp.extensions import db
    from webapp.models import Area, ExpansionDrive, ExpansionTarget, User
    from webapp.services.expansion import tally

    drive = ExpansionDrive(name="全县扩面", run_id=run_id, groups=[], areas=[], county_code="341721")
    db.session.add(drive)
    db.session.flush()
    villages = Area.query.filter_by(level="village").order_by(Area.code).all()
    for n, village in enumerate(villages):
        user = User(username=f"v{n}", display_name=f"{village.name}协理员", role="village", area=village)
        user.set_password("x")
        db.session.add(user)
        db.session.flush()
        db.session.execute(db.update(ExpansionTarget).where(
            ExpansionTarget.run_id == run_id, ExpansionTarget.village_code == village.code, ExpansionTarget.id % 3 == 0)
            .values(drive_id=drive.id, staff_id=user.id, outcome="explained", contacted_at=datetime.now()))
    tally.rebuild(run_id)  # contacts one by one move the tally; set in bulk here, it is counted again
    db.session.commit()
    return db.session.query(ExpansionTarget).filter(ExpansionTarget.staff_id.isnot(None)).count()


def main():
    from webapp.extensions import db
    from webapp.models import ComparisonRun, ExpansionTally, ExpansionTarget
    from webapp.services.expansion import conversion, rules, targets

    app, (run1, run2), seconds = timed_build("expansion", build)
    print(f"{backend_name(app)}: built {PEOPLE:,} people, {UNINSURED:,} uninsured, two runs and the batches "
          f"in {seconds:.1f} s (load average {os.getloadavg()[0]:.1f})")
    with app.app_context():
        started = time.perf_counter()
        built = targets.build_list(run1)
        db.session.commit()
        seconds = time.perf_counter() - started
        print(f"target list built: {built:,} targets in {seconds:.2f} s = {built / seconds:,.0f} targets/s "
              f"(reading {2 * PEOPLE:,} stored rows)")
        groups = dict(db.session.query(ExpansionTarget.group_code, db.func.count()).group_by(
            ExpansionTarget.group_code).all())
        print("groups: " + ", ".join(f"{code} {groups.get(code, 0):,}" for code in rules.GROUP_CODES))
        started = time.perf_counter()
        rules.save_rule("341721", None, "enterprise_employee", "职业 = 个体", 1, None)
        rules.regroup(run1, "341721")
        db.session.commit()
        print(f"rule added and list regrouped in {time.perf_counter() - started:.2f} s")
        contacted = _contacts(run1)
        started = time.perf_counter()
        marked = conversion.mark(db.session.get(ComparisonRun, run2))
        db.session.commit()
        print(f"conversion marked by the later run: {marked:,} (expected {CONVERTED:,}) "
              f"in {time.perf_counter() - started:.2f} s; {contacted:,} targets with contacts")
        county = ExpansionTally.county_code == "341721"
        rows = db.session.query(ExpansionTally).filter_by(run_id=run1).count()
        samples = []
        for _ in range(5):
            db.session.expire_all()
            started = time.perf_counter()
            report = conversion.report(run1, county)
            samples.append(time.perf_counter() - started)
        total = report["total"]
        print(f"county conversion report (groups, townships, drives, {len(report['by_staff'])} staff, over time): "
              f"median {statistics.median(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms; "
              f"{total['converted']:,} of {total['targets']:,} = {total['rate'] * 100:.1f}%; {rows:,} tally rows "
              f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
