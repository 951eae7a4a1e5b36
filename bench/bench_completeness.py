"""Completeness pages and the "enrolled at next comparison" step at county scale.

    .venv/bin/python bench/bench_completeness.py                # SQLite in /tmp, 530,000 people
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_completeness.py
    BENCH_PEOPLE=53000 BENCH_CASES=10000 BENCH_EVENTS=50000 ... # a tenth, for a quick look
    BENCH_DEMO=1 .venv/bin/python bench/bench_completeness.py   # the demo county (flask demo) instead

The county at scale of bench_dashboard (bench/common.load_county: households, people, a finished
comparison run, cases with their timelines), plus a registration form for every member of every visited household (one in fifty
lacking a field its outcome requires). Then, through the app: a village's completeness page, a
township's list of villages (a fresh check of all its villages), the county's list of townships
(kept counts only), the gap exports; and the comparison run's step that counts people enrolled
since an earlier run, on a second run of every person. The database given is WIPED. Prints figures.
"""
import json
import os
import sys
import time
from datetime import date, datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import (COUNTY, PEOPLE, analyze, backend_name, county_at_scale, logged_in, scratch_app,  # noqa: E402
                          time_get)

FORM = {"outcome_code": "willing", "signature": "signed", "status": "normal", "willing_to_enroll": "yes",
        "willing_scheme": "resident_pension", "medical_scheme": "resident_medical", "medical_where": "local"}


def _forms():
    """A form for every member of every household whose visit was completed; returns how many."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.infra.bulk import insert_tuples
    from webapp.models import Case, CaseEvent, Person, RegistrationForm

    visited = select(CaseEvent.case_id).where(CaseEvent.kind == "task_completed",
                                              CaseEvent.task_name == "visit_household",
                                              CaseEvent.decision == "completed").distinct()
    rows = db.session.execute(select(Case.id, Person.id, Person.id_number, Person.name)
                              .join(Person, Person.household_id == Case.household_id)
                              .where(Case.id.in_(visited))).all()
    now = datetime(2026, 6, 30)
    # SQLite's bulk path hands values to the driver as they are (JSON text); PostgreSQL's goes
    # through the column's JSON type (dicts).
    complete, lacking = FORM, dict(FORM, willing_scheme="")
    if db.engine.dialect.name == "sqlite":
        complete, lacking = json.dumps(complete), json.dumps(lacking)
    forms = [(case_id, person_id, id_number, name, lacking if index % 50 == 0 else complete, now)
             for index, (case_id, person_id, id_number, name) in enumerate(rows)]
    for start in range(0, len(forms), 20000):
        insert_tuples(RegistrationForm, ["case_id", "person_id", "id_number", "name", "data", "updated_at"],
                      forms[start:start + 20000])
    db.session.commit()
    analyze("registration_form")
    return len(forms)


def _second_run():
    """A second finished run of every person, a tenth of the uninsured now enrolled; returns it."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.infra.bulk import insert_tuples
    from webapp.models import ComparisonResult, ComparisonRun

    r = ComparisonResult
    rows = db.session.execute(select(r.id_number, r.status, r.missing, r.schemes, r.township_code,
                                     r.village_code).where(r.run_id == 1)).all()
    db.session.add(ComparisonRun(id=2, status="done", county_code=COUNTY, as_of=date(2026, 8, 1), batch_ids=[],
                                 finished_at=datetime(2026, 8, 1)))
    db.session.flush()
    values = []
    for index, (id_number, status, missing, schemes, township, village) in enumerate(rows):
        if missing and index % 10 == 0:
            status, missing, schemes = "confirmed", "", schemes | 2 | 8
        values.append((2, id_number, status, "", missing, schemes, True, False, False, COUNTY, township, village))
    insert_tuples(ComparisonResult, ["run_id", "id_number", "status", "problems", "missing", "schemes",
                                     "in_register", "non_local", "insured_elsewhere", "county_code",
                                     "township_code", "village_code"], values)
    db.session.commit()
    analyze("comparison_result")
    return db.session.get(ComparisonRun, 2)


def main():
    app, township, village = county_at_scale("completeness", f"people {PEOPLE}")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import EnrolledAfterRun
        from webapp.services.campaign import enrolled, progress_rebuild

        started = time.perf_counter()
        print(f"forms: {_forms()} in {time.perf_counter() - started:.1f} s")
        progress_rebuild.rebuild(COUNTY)
        db.session.commit()
        run = _second_run()
        started = time.perf_counter()
        enrolled.record_run(run)
        db.session.commit()
        print(f"enrolled at next comparison (run's step, {PEOPLE} results against the earlier run): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms, {EnrolledAfterRun.query.count()} people")
        from webapp.models import Area
        from webapp.services.campaign import completion

        started = time.perf_counter()
        found = completion.recheck_township(Area.query.filter_by(code=township).one())
        db.session.commit()
        print(f"re-check of one township's {len(found)} villages (the job's step, per township): "
              f"{(time.perf_counter() - started) * 1000:.0f} ms")
    county_client, township_client = logged_in(app, "county"), logged_in(app, "township")
    views = [("village completeness page", township_client, f"/dashboard/completeness/{village}"),
             ("township completeness (kept counts)", township_client, f"/dashboard/completeness/{township}"),
             ("county completeness (kept counts)", county_client, "/dashboard/completeness/"),
             ("village gaps Excel", township_client, f"/dashboard/completeness/{village}/gaps.xlsx"),
             ("township dashboard page", township_client, f"/dashboard/?area={township}"),
             ("county dashboard page", county_client, "/dashboard/")]
    print(f"{'view':40s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, client, url in views:
        p50, p95 = time_get(client, url)
        print(f"{name:40s} {p50:8.1f} {p95:8.1f}")


def demo_main():
    """The village and township completeness pages of the demo county (``flask demo``'s seed)."""
    app = scratch_app("completeness-demo")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        from webapp.cli import deploy_shipped_diagrams
        from webapp.extensions import db
        from webapp.models import User
        from webapp.synthetic import demo

        deploy_shipped_diagrams()
        demo.seed()
        db.session.commit()
        village = User.query.filter_by(username="village1").one().area.code
        township = User.query.filter_by(username="township").one().area.code
    client = logged_in(app, "township")
    print(f"backend: {backend_name(app)}; the demo county")
    print(f"{'view':40s} {'p50 ms':>8s} {'p95 ms':>8s}")
    for name, url in (("village completeness page", f"/dashboard/completeness/{village}"),
                      ("township completeness (kept counts)", f"/dashboard/completeness/{township}")):
        p50, p95 = time_get(client, url)
        print(f"{name:40s} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    if os.environ.get("BENCH_DEMO"):
        demo_main()
    else:
        main()
