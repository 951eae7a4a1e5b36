"""Dashboard views and bulletins at county scale: 530,000 people, 100,000 cases, 500,000 events.

    .venv/bin/python bench/bench_dashboard.py                   # SQLite in /tmp
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_dashboard.py
    BENCH_PEOPLE=53000 BENCH_CASES=10000 ...                     # a tenth, for a quick look

Synthetic rows are inserted in bulk (households, people, one finished comparison run with a
result per person, cases spread over May to July with their timelines); the kept figures are
then built by ``progress_rebuild`` (what ``flask progress rebuild`` does) and the coverage
snapshot by the comparison run's own step. Each view is then requested REPEAT times through
the app (logged in, as a browser would) and p50/p95 printed; so are bulletin production,
the cost of keeping the counters per change, and the one-off builds. The database given is
WIPED. Prints figures; it is not a test.
"""
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, scratch_app  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "530000"))
CASES = int(os.environ.get("BENCH_CASES", "100000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "500000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
COUNTY = "341721"
START = datetime(2026, 5, 10)


def _load(app):
    """Insert the synthetic county; returns (township code, village code) to look at."""
    from webapp.extensions import db
    from webapp.models import Area, Case, CaseEvent, ComparisonResult, ComparisonRun, Household, Person
    from webapp import areacodes
    from webapp.infra.bulk import insert_tuples
    from webapp.services import areas
    from webapp.synthetic import demo

    rng = random.Random(530)
    areas.load_rows(areas.generate_county())
    villages = Area.query.filter_by(level="village").order_by(Area.code).all()
    first_township = Area.query.filter_by(level="township").order_by(Area.code).first()
    demo.create_users(first_township, areas.villages_of(first_township.code)[:2])
    db.session.commit()
    codes = [(areacodes.township_of(v.code), v.code) for v in villages]
    households, people, results = [], [], []
    person_id = household_id = 0
    while person_id < PEOPLE:
        household_id += 1
        township, village = codes[household_id % len(codes)]
        households.append((household_id, f"H{household_id:09d}", f"户主{household_id}", COUNTY, township, village))
        for _ in range(rng.choice((2, 3, 3, 4, 5))):
            person_id += 1
            id_number = f"{COUNTY}19{person_id:010d}"
            people.append((person_id, id_number, f"人{person_id}", "normal", household_id, COUNTY, township, village))
            missing = rng.choices(("", "pension", "medical", "pension;medical"), weights=(80, 12, 5, 3))[0]
            results.append((1, id_number, "uninsured" if missing else "confirmed", "", missing,
                            0 if "pension" in missing else 2, True, False, False, COUNTY, township, village))
    insert_tuples(Household, ["id", "household_number", "head_name", "county_code", "township_code",
                              "village_code"], households)
    insert_tuples(Person, ["id", "id_number", "name", "status", "household_id", "county_code", "township_code",
                           "village_code"], people)
    db.session.add(ComparisonRun(id=1, status="done", county_code=COUNTY, as_of=date(2026, 5, 1), batch_ids=[]))
    db.session.flush()
    insert_tuples(ComparisonResult, ["run_id", "id_number", "status", "problems", "missing", "schemes", "in_register",
                                     "non_local", "insured_elsewhere", "county_code", "township_code",
                                     "village_code"], results)
    db.session.commit()
    cases, events = [], []
    steps = (("task_completed", "assign_household", None), ("task_completed", "visit_household", "completed"),
             ("task_completed", "first_review", "approve"), ("task_completed", "county_audit_review", "approve"),
             ("registry_applied", None, None))
    per_case = max(EVENTS // CASES, 1)
    for case_id in range(1, CASES + 1):
        hh = households[(case_id * 7) % len(households)]
        at = START + timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
        done = rng.random() < 0.6
        cases.append((case_id, "registration", f"{hh[2]}户", hh[0], COUNTY, hh[4], hh[5],
                      "completed" if done else "open", at))
        # How far the case got: most all the way (registered), the rest spread over the stages.
        depth = len(steps) if done else rng.randrange(0, len(steps))
        timeline = [("started", None, None)]
        for step in steps[:depth]:
            if step[1] == "first_review" and rng.random() < 0.15:
                timeline.append(("task_completed", "first_review", "return"))
                timeline.append(("task_completed", "visit_household", "completed"))
            timeline.append(step)
        while len(timeline) < per_case:
            timeline.append(("claimed", None, None))
        for kind, task, decision in timeline:
            at += timedelta(hours=rng.randrange(1, 72))
            events.append((case_id, at, kind, task, decision))
    insert_tuples(Case, ["id", "kind", "title", "household_id", "county_code", "township_code", "village_code",
                         "status", "created_at"], cases)
    insert_tuples(CaseEvent, ["case_id", "at", "kind", "task_name", "decision"], events)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    township, village = codes[0]
    return township, village, len(households), len(events)


def _stats(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples) * 1000, p95 * 1000


def _time_get(client, url):
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, url
    return _stats(samples)


def main():
    app = scratch_app("dashboard")
    app.config["WTF_CSRF_ENABLED"] = False
    backend = backend_name(app)
    print(f"backend: {backend}; people {PEOPLE}, cases {CASES}, events ~{EVENTS}, {REPEAT} requests per view")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import ComparisonRun
        from webapp.services.campaign import bulletins, leading_group, progress, progress_rebuild

        started = time.perf_counter()
        township, village, household_count, event_count = _load(app)
        print(f"load: {household_count} households, {event_count} events in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        progress.snapshot_coverage(db.session.get(ComparisonRun, 1))
        db.session.commit()
        print(f"coverage snapshot of the run ({PEOPLE} results, in the run's job): "
              f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        totals = progress_rebuild.rebuild(COUNTY)
        db.session.commit()
        print(f"rebuild of the kept figures from all cases and events (one-off job): "
              f"{time.perf_counter() - started:.2f} s  {totals}")
        leading_group.load_annex(COUNTY)
        db.session.commit()
        started, n = time.perf_counter(), 500
        for i in range(n):  # what one task completion adds: two upserts (day row, total row)
            progress.bump(COUNTY, township, village, "visited", 0)
            db.session.commit()
        print(f"counter upkeep per change (day + total upsert, own commit): "
              f"{(time.perf_counter() - started) / n * 1000:.2f} ms")
        times = []
        for _ in range(5):
            started = time.perf_counter()
            bulletin = bulletins.produce(COUNTY, date(2026, 7, 1))
            db.session.commit()
            times.append(time.perf_counter() - started)
        print(f"bulletin production (figures as of a date, stored, notified): p50 {statistics.median(times)*1000:.0f} ms,"
              f" max {max(times)*1000:.0f} ms")
        bulletin_id = bulletin.id

    views = []
    county_client, township_client = app.test_client(), app.test_client()
    county_client.post("/login", data={"username": "county", "password": "demo1234"})
    township_client.post("/login", data={"username": "township", "password": "demo1234"})
    views += [("county dashboard page", county_client, "/dashboard/"),
              ("county chart data (JSON)", county_client, "/dashboard/data.json"),
              ("county breakdown Excel", county_client, "/dashboard/export/breakdown.xlsx"),
              ("county daily Excel", county_client, "/dashboard/export/daily.xlsx"),
              ("township dashboard page", township_client, f"/dashboard/?area={township}"),
              ("township chart data (JSON)", township_client, f"/dashboard/data.json?area={township}"),
              ("village dashboard page", township_client, f"/dashboard/?area={village}"),
              ("village household list", township_client, f"/dashboard/village/{village}/households"),
              ("bulletin page", county_client, f"/dashboard/bulletins/{bulletin_id}"),
              ("bulletin Excel", county_client, f"/dashboard/bulletins/{bulletin_id}.xlsx")]
    print(f"{'view':34s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, client, url in views:
        p50, p95 = _time_get(client, url)
        print(f"{name:34s} {p50:8.1f} {p95:8.1f}")
    started = time.perf_counter()
    assert county_client.get(f"/dashboard/bulletins/{bulletin_id}.pdf").status_code == 200
    print(f"bulletin PDF (WeasyPrint, fonts embedded), one: {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
