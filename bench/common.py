"""Shared set-up for the benchmarks: a migrated scratch database, a loaded demo county, and the
synthetic county at scale of the dashboard and completeness benches."""
import os
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta

# The county at scale (load_county): its size, and requests per view when timing pages.
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "530000"))
CASES = int(os.environ.get("BENCH_CASES", "100000"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "500000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
COUNTY = "341721"
START = datetime(2026, 5, 10)


def scratch_app(label):
    """An app on a fresh migrated database: DATABASE_URL (PostgreSQL) or a temp SQLite file."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    from config import Config
    from webapp import create_app

    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix=f"bench-{label}-")
    if url:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp}/bench.db"

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = tmp
        EMBEDDED_REDIS_PATH = os.path.join(tmp, "redis.db")

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade()
    return app


def timed_build(label, build):
    """A scratch app (see :func:`scratch_app`) with ``build(app)`` run on it, timed.

    Returns (the app, what ``build`` returned, its seconds)."""
    app = scratch_app(label)
    started = time.perf_counter()
    result = build(app)
    return app, result, time.perf_counter() - started


def county_people(count, rng):
    """The county's areas loaded and ``count`` distinct ID numbers of its people (sorted), placed in
    its villages in turn: (village codes, ID numbers, {ID number: village code}). Needs an app context."""
    from datetime import date, timedelta

    from webapp.idnumber import make_id
    from webapp.models import Area
    from webapp.services import areas

    areas.load_rows(areas.generate_county())
    villages = [a.code for a in Area.query.filter_by(level="village")]
    seen, start = set(), date(1930, 1, 1)
    while len(seen) < count:
        birth = start + timedelta(days=rng.randrange(0, 365 * 90))
        seen.add(make_id("341721", birth, rng.randrange(1, 999)))
    ids = sorted(seen)
    return villages, ids, {i: villages[n % len(villages)] for n, i in enumerate(ids)}


def timed(fn, repeat=1):
    """Run ``fn`` ``repeat`` times; return (median seconds, last result)."""
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def backend_name(app):
    """sqlite or postgresql."""
    from webapp.extensions import db

    with app.app_context():
        return db.engine.dialect.name


def visit_form_data(member):
    """A complete registration form for ``member`` (what an assistant would submit)."""
    return {"name": member.name, "id_number": member.id_number, "sex": member.sex or "M", "ethnicity": "汉族",
            "relation_to_head": member.relation_to_head or "户主", "household_type": "agricultural",
            "status": "normal", "pension_scheme": "", "pension_where": "",
            "medical_scheme": "resident_medical", "medical_where": "local",
            "uninsured_reason": "hardship", "willing_to_enroll": "yes", "willing_scheme": "resident_pension",
            "outcome_code": "unwilling", "policy_explained": "y", "signature": "signed"}


def seed_visits(app, households, villages):
    """Deploy the diagrams, build the demo county and bring every case to its visit.

    Returns (village assistants' user names, {case id: (a member's person id, form data)}).
    """
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.models import Case, InboxTask, Person, User
    from webapp.services.casework import cases, tasks
    from webapp.synthetic import demo

    with app.app_context():
        deploy_shipped_diagrams()
        demo.seed(households=households, villages_with_staff=villages)
        db.session.commit()
        township = User.query.filter_by(username="township").one()
        visitors = User.query.filter_by(role="village").order_by(User.username).all()
        rows = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).all()
        for index, row in enumerate(rows):
            visitor = visitors[index % len(visitors)]
            cases.claim(row, township)
            tasks.assign_household(row, township, visitor.area.code, visitor.id)
            db.session.commit()
        people = {}
        for person in Person.query.order_by(Person.id):
            people.setdefault(person.household_id, []).append(person)
        by_case = {}
        for case in Case.query.filter_by(kind="registration"):
            member = people[case.household_id][0]
            by_case[case.id] = (member.id, visit_form_data(member))
        usernames = [user.username for user in visitors]
        db.session.remove()
    return usernames, by_case


def analyze(table=""):
    """Statistics for rows just written in bulk (``table``, or every table), as autovacuum gives them
    shortly after (PostgreSQL; nothing on SQLite)."""
    from webapp.extensions import db

    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"ANALYZE {table}".strip())
            conn.commit()


def county_at_scale(label, describe):
    """A scratch app (see :func:`scratch_app`; forms posted without CSRF tokens) with the county at
    scale loaded (:func:`load_county`), the backend and ``describe`` printed first, the load after.
    Returns (app, township code, village code)."""
    app = scratch_app(label)
    app.config["WTF_CSRF_ENABLED"] = False
    print(f"backend: {backend_name(app)}; {describe}")
    with app.app_context():
        started = time.perf_counter()
        township, village, households, events = load_county()
        print(f"load: {households} households, {events} events in {time.perf_counter() - started:.1f} s")
    return app, township, village


def logged_in(app, username):
    """A test client of ``app`` logged in as ``username`` (the demo password; CSRF off)."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": "demo1234"})
    return client


def load_county():
    """Insert the synthetic county at scale (PEOPLE people in households, one finished comparison run
    with a result per person, CASES cases from START with about EVENTS timeline events; needs an app
    context); returns (township code, village code to look at, households, events)."""
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
    analyze()
    township, village = codes[0]
    return township, village, len(households), len(events)


def _stats(samples):
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples) * 1000, p95 * 1000


def time_get(client, url):
    """GET ``url`` REPEAT times (after two unmeasured) and return its (p50, p95) in ms."""
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, url
    return _stats(samples)
