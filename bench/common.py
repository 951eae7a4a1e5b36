"""Shared set-up for the benchmarks: a migrated scratch database and a loaded demo county."""
import os
import statistics
import tempfile
import time


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
