"""Import + comparison of a generated county through the database: wall time and peak memory.

    .venv/bin/python bench/bench_intake.py                      # 530,000 people, SQLite in /tmp
    BENCH_PEOPLE=50000 .venv/bin/python bench/bench_intake.py
    DATABASE_URL=postgresql://postgres@127.0.0.1/intake_bench .venv/bin/python bench/bench_intake.py

The county is generated once into BENCH_DIR (default /tmp/bench-county-<people>) and reused.
Files are imported by BENCH_WORKERS processes at once (default 2, like two RQ workers, started
and warmed up before the clock starts, as running workers are), then one comparison run. The
database given is WIPED. Peak memory is the largest resident set of any one process (each import
worker, the comparison run and its result writer). Prints figures; it is not a test.
"""
import json
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "530000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
AS_OF = date(2024, 6, 30)


def _app_for(url, instance):
    from config import Config
    from webapp import create_app

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = instance
        EMBEDDED_REDIS_PATH = os.path.join(instance, "redis.db")

    return create_app(BenchConfig)


_worker_app = None


def _warm_up(url, instance):
    """Start a worker's app before the clock starts, as a running RQ worker already has."""
    global _worker_app
    _worker_app = _app_for(url, instance)
    import webapp.services.intake.importing  # noqa: F401  (the job's imports, loaded once per worker)
    time.sleep(1)  # hold this worker so the next warm-up lands on another one
    return os.getpid()


def _import_one(url, instance, path, source):
    """One import, as an RQ worker would run it (own process, own app, own commit)."""
    from webapp.extensions import db
    from webapp.services.intake import importing as intake_import

    started = time.perf_counter()
    with (_worker_app or _app_for(url, instance)).app_context():
        outcome = intake_import.import_file(path, source, today=AS_OF)
        db.session.commit()
        rows = outcome.batch.rows_total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return os.path.basename(path), outcome.status, rows, time.perf_counter() - started, peak


def main():
    from bench.common import scratch_app
    from webapp.synthetic.generator import generate_county

    folder = os.environ.get("BENCH_DIR", f"/tmp/bench-county-{PEOPLE}")
    if not os.path.exists(os.path.join(folder, "answer_key.json")):
        started = time.perf_counter()
        generate_county(folder, people=PEOPLE, seed=20170525, as_of=AS_OF)
        print(f"generate {PEOPLE} people: {time.perf_counter() - started:.1f} s")
    summary = json.load(open(os.path.join(folder, "answer_key.json"), encoding="utf-8"))
    app = scratch_app("intake")
    url, instance = app.config["SQLALCHEMY_DATABASE_URI"], app.config["INSTANCE_DIR"]
    with app.app_context():  # intake takes its county from the loaded areas (the demo county)
        from webapp.extensions import db
        from webapp.services import areas

        areas.load_rows(areas.generate_county())
        db.session.commit()
    jobs = sorted(((os.path.join(folder, name), source) for name, source in summary["sources"].items()),
                  key=lambda job: -os.path.getsize(job[0]))  # biggest first: best packing on the workers

    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        # Workers are long-running processes: their start-up is not part of an import.
        warmed = set(pool.map(_warm_up, [url] * WORKERS, [instance] * WORKERS))
        assert len(warmed) == WORKERS, "each worker should have warmed up once"
        started = time.perf_counter()
        imports = list(pool.map(_import_one, *zip(*[(url, instance, p, s) for p, s in jobs])))
        import_seconds = time.perf_counter() - started
    for name, status, rows, seconds, peak in imports:
        print(f"  import {name}: {status}, {rows} rows, {seconds:.1f} s, peak {peak} MB")

    from webapp.extensions import db
    from webapp.services.intake import runs as intake_runs

    with app.app_context():
        run = intake_runs.create_run(as_of=AS_OF)
        db.session.commit()
        run_started = time.perf_counter()
        counts = intake_runs.run_comparison(run.id)
        run_seconds = time.perf_counter() - run_started
    run_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    # The run's result writer is a child process; so were the import workers (reported above).
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"imports ({WORKERS} workers): {import_seconds:.1f} s")
    print(f"comparison run: {run_seconds:.1f} s, peak {run_peak} MB "
          f"(largest child process, result writer or import worker: {children_peak} MB)")
    print(f"TOTAL import + comparison: {import_seconds + run_seconds:.1f} s; "
          f"peak per process {max([run_peak, children_peak] + [i[4] for i in imports])} MB")
    print(json.dumps(counts, ensure_ascii=False))
    _case_start_rate(app, run.id)


def _case_start_rate(app, run_id):
    """Registration cases started per second for the run's uninsured households, in job slices."""
    from webapp.extensions import db
    from webapp.services.intake import work as intake_work

    wanted = int(os.environ.get("BENCH_CASE_STARTS", "2000"))
    with app.app_context():
        from webapp.cli import deploy_shipped_diagrams
        from webapp.services import areas

        areas.load_rows(areas.generate_county())
        deploy_shipped_diagrams()
        db.session.commit()
        started, last, began = 0, None, time.perf_counter()
        while started < wanted:
            outcome = intake_work.start_registration_cases(run_id, limit=200, after=last)
            db.session.commit()
            started, last = started + outcome["started"], outcome["last"]
            if last is None:
                break
        seconds = time.perf_counter() - began
    print(f"registration cases started for uninsured households: {started} in {seconds:.1f} s "
          f"= {started / seconds:.1f} /s (slices of 200 per commit, as the job does)")


if __name__ == "__main__":
    main()
