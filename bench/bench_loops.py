"""Per-completion cost and serialized state size of a case returned and re-submitted many times.

    .venv/bin/python bench/bench_loops.py                      # SQLite (a temp file)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_loops.py

The database given by DATABASE_URL is WIPED. One registration case is distributed, then its
visit is finished and the township's first review returns it, ``--loops`` times (each loop
is two completions, each its own transaction, as the web does). Prints, at the loops asked
for, the median time of a loop's two completions, the state size and the number of
subprocesses and tasks kept in it; with ``--profile`` a cProfile of one completion at the
last loop. Prints figures; it is not a test.
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app  # noqa: E402


def _open_row(case_id, task_name):
    from webapp.extensions import db
    from webapp.models import InboxTask

    db.session.expire_all()
    return InboxTask.query.filter_by(case_id=case_id, task_name=task_name, state="ready").one()


def _state_figures(case_id):
    from webapp.models import ProcessInstance

    instance = ProcessInstance.query.filter_by(case_id=case_id).one()
    state = json.loads(instance.state)
    subprocess_tasks = sum(len(sp.get("tasks", {})) for sp in state.get("subprocesses", {}).values())
    return len(instance.state.encode("utf-8")), len(state.get("subprocesses", {})), \
        len(state.get("tasks", {})) + subprocess_tasks


def _complete(case_id, task_name, username, data):
    """One completion in its own transaction; its wall time in ms."""
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services.casework import cases

    row = _open_row(case_id, task_name)
    actor = User.query.filter_by(username=username).one()
    started = time.perf_counter()
    cases.complete(row, actor, data)
    db.session.commit()
    return (time.perf_counter() - started) * 1000


VISIT = {"visit_result": "completed", "visit_date": "2026-06-01", "policy_explained": True, "visit_comment": ""}
RETURN = {"review_decision": "return", "review_comment": "请补充材料"}


def run(app, loops, report_at, profile):
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.models import Case, User
    from webapp.services.casework import cases, tasks
    from webapp.synthetic import demo

    with app.app_context():
        deploy_shipped_diagrams()
        demo.seed(households=1, villages_with_staff=1)
        db.session.commit()
        case = Case.query.filter_by(kind="registration").first()
        case_id = case.id
        row = _open_row(case_id, "assign_household")
        township, visitor = User.query.filter_by(username="township").one(), User.query.filter_by(
            username="village1").one()
        cases.claim(row, township)
        tasks.assign_household(row, township, visitor.area.code, visitor.id)
        db.session.commit()
        print(f"{'loop':>5} {'visit ms':>9} {'review ms':>10} {'state KB':>9} {'subprocesses':>13} {'tasks':>6}")
        results = {}
        for loop in range(1, loops + 1):
            visit_ms = _complete(case_id, "visit_household", "village1", VISIT)
            review_row = _open_row(case_id, "first_review")
            if review_row.assignee_id is None:
                cases.claim(review_row, township)
                db.session.commit()
            if profile and loop == loops:
                profiler = cProfile.Profile()
                profiler.enable()
            review_ms = _complete(case_id, "first_review", "township", RETURN)
            if profile and loop == loops:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
                print(out.getvalue())
            size, subprocesses, task_count = _state_figures(case_id)
            results[loop] = (visit_ms, review_ms, size)
            if loop in report_at:
                print(f"{loop:>5} {visit_ms:>9.1f} {review_ms:>10.1f} {size / 1024:>9.1f} {subprocesses:>13} "
                      f"{task_count:>6}")
        # Medians over a few loops around each reported one: single completions are noisy here.
        for loop in report_at:
            window = [statistics.mean(results[i][:2]) for i in range(max(1, loop - 2), min(loops, loop + 2) + 1)]
            print(f"loop {loop}: median completion {statistics.median(window):.1f} ms")
        # The case still finishes: the last visit, approved at the township and the county.
        _complete(case_id, "visit_household", "village1", VISIT)
        review_row = _open_row(case_id, "first_review")
        if review_row.assignee_id is None:
            cases.claim(review_row, township)
            db.session.commit()
        _complete(case_id, "first_review", "township", {"review_decision": "approve", "review_comment": ""})
        print(f"after {loops} returns: case status {db.session.get(Case, case_id).status}, "
              f"state {_state_figures(case_id)[0] / 1024:.1f} KB")
        return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loops", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="cProfile one completion at the last loop")
    args = parser.parse_args()
    app = scratch_app("loops")
    with app.app_context():
        from webapp.extensions import db

        print(f"database: {db.engine.dialect.name}; load average {os.getloadavg()[0]:.2f}")
    report_at = sorted({1, 10, 20, 50, args.loops} & set(range(1, args.loops + 1)))
    run(app, args.loops, report_at, args.profile)


if __name__ == "__main__":
    main()
