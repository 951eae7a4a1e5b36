"""Raising change requests from a comparison run's differences: requests per second, and a re-run.

    .venv/bin/python bench/bench_changes.py                      # 530,000 people, SQLite in /tmp
    BENCH_PEOPLE=50000 BENCH_DIFFERENCES=4000 .venv/bin/python bench/bench_changes.py
    DATABASE_URL=postgresql://postgres@127.0.0.1/reg_x .venv/bin/python bench/bench_changes.py

The county is built straight into the database (bench/bench_intake.py times the import and the
comparison that produce it): BENCH_PEOPLE persons in the registry over the county's villages, two
done comparison runs, the second with a result row for every person and BENCH_DIFFERENCES
differences against the first (a fifth each: deaths, moved out, gone from the register, newly
enrolled in two basic schemes — two requests each — and newborns not in the registry yet). Then
``changes_auto.raise_from_run`` is timed (one transaction, as the job commits it), then again
(it must raise nothing), then opening review cases for BENCH_CASES of them (the job's second
half). The database given is WIPED. Prints figures; it is not a test.
"""
import os
import random
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, county_people, timed_build  # noqa: E402
from webapp.areacodes import township_of  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "530000"))
DIFFERENCES = int(os.environ.get("BENCH_DIFFERENCES", "40000"))
CASES = int(os.environ.get("BENCH_CASES", "400"))
AS_OF = date(2024, 6, 30)


def build(app):
    """The registry, two runs and the differences; returns the second run's id and the difference count."""
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.idnumber import make_id
    from webapp.intake.schemes import SCHEMES_BY_CODE
    from webapp.models import ComparisonChange, ComparisonResult, ComparisonRun, Person, RegistrationRecord
    from webapp.infra.bulk import insert_tuples

    rng = random.Random(20170525)
    with app.app_context():
        villages, ids, where = county_people(PEOPLE, rng)
        deploy_shipped_diagrams()
        insert_tuples(Person, ["id_number", "name", "status", "county_code", "township_code", "village_code"],
                      [(i, "张三", "normal", "341721", township_of(where[i]), where[i]) for i in ids])
        runs = []
        for number in (1, 2):
            run = ComparisonRun(status="done", county_code="341721", as_of=AS_OF, batch_ids=[],
                                finished_at=datetime.now())
            db.session.add(run)
            db.session.flush()
            runs.append(run.id)
        fifth = DIFFERENCES // 5
        picked = rng.sample(ids, 4 * fifth)
        dies, moves, gone, enrols = (picked[k * fifth:(k + 1) * fifth] for k in range(4))
        born = [make_id("341721", AS_OF - timedelta(days=rng.randrange(1, 300)), rng.randrange(1, 999))
                for _ in range(fifth)]
        born = sorted(set(born) - set(ids))
        person_ids = {i: pid for i, pid in db.session.execute(db.select(Person.id_number, Person.id))}
        db.session.execute(RegistrationRecord.__table__.insert(), [{"person_id": person_ids[i], "data": {}, "insured": False, "source": "survey",
                                          "updated_at": datetime.now()} for i in enrols])
        mask = SCHEMES_BY_CODE["resident_pension"].bit | SCHEMES_BY_CODE["resident_medical"].bit
        special = {**{i: ("not_target", "deceased", 0) for i in dies},
                   **{i: ("not_target", "moved_out", 0) for i in moves},
                   **{i: ("confirmed", None, mask) for i in enrols}}
        gone_set = set(gone)
        columns = ["run_id", "id_number", "status", "problems", "missing", "reason", "name", "household_no",
                   "in_register", "non_local", "insured_elsewhere", "schemes", "county_code", "township_code",
                   "village_code"]
        rows = []
        for i in sorted(set(ids) - gone_set) + born:
            status, reason, schemes = special.get(i, ("confirmed", None, mask))
            village = where.get(i, villages[0])
            rows.append((runs[1], i, status, "", "", reason, "张三", "H" + i[-8:], True, False, False, schemes,
                         "341721", township_of(village), village))
        insert_tuples(ComparisonResult, columns, rows)
        changes = ([(runs[1], i, "status", "confirmed", "not_target") for i in dies + moves]
                   + [(runs[1], i, "disappeared", "confirmed", None) for i in gone]
                   + [(runs[1], i, "status", "uninsured", "confirmed") for i in enrols]
                   + [(runs[1], i, "appeared", None, "confirmed") for i in born])
        insert_tuples(ComparisonChange, ["run_id", "id_number", "change", "before_status", "after_status"], changes)
        db.session.commit()
        return runs[1], len(changes), len(dies) + len(moves) + len(gone) + 2 * len(enrols) + len(born)


def main():
    from webapp.extensions import db
    from webapp.models import ChangeRequest
    from webapp.services.casework import changes_auto

    app, (run_id, differences, expected), seconds = timed_build("changes", build)
    print(f"{backend_name(app)}: built {PEOPLE} people, {differences} differences in {seconds:.1f} s")
    with app.app_context():
        started = time.perf_counter()
        raised = changes_auto.raise_from_run(run_id)
        db.session.commit()
        seconds = time.perf_counter() - started
        print(f"raise from run: {raised} requests (expected {expected}) in {seconds:.2f} s "
              f"= {raised / seconds:,.0f} requests/s")
        started = time.perf_counter()
        again = changes_auto.raise_from_run(run_id)
        db.session.commit()
        print(f"re-run: {again} new requests in {time.perf_counter() - started:.2f} s "
              f"(total now {ChangeRequest.query.count()})")
        started, opened = time.perf_counter(), 0
        while opened < CASES:
            count = changes_auto.start_pending_reviews(min(200, CASES - opened))
            db.session.commit()
            opened += count
            if not count:
                break
        seconds = time.perf_counter() - started
        print(f"review cases opened (dynamic_change process started): {opened} in {seconds:.1f} s "
              f"= {opened / seconds:.1f} /s")


if __name__ == "__main__":
    main()
