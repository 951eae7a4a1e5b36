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
import statistics
import sys
import time
from datetime import date

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import CASES, COUNTY, EVENTS, PEOPLE, REPEAT, county_at_scale, logged_in, time_get  # noqa: E402


def main():
    app, township, village = county_at_scale("dashboard", f"people {PEOPLE}, cases {CASES}, events ~{EVENTS}, "
                                                          f"{REPEAT} requests per view")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import ComparisonRun
        from webapp.services.campaign import bulletins, leading_group, progress, progress_rebuild

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

    county_client, township_client = logged_in(app, "county"), logged_in(app, "township")
    views = [("county dashboard page", county_client, "/dashboard/"),
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
        p50, p95 = time_get(client, url)
        print(f"{name:34s} {p50:8.1f} {p95:8.1f}")
    started = time.perf_counter()
    assert county_client.get(f"/dashboard/bulletins/{bulletin_id}.pdf").status_code == 200
    print(f"bulletin PDF (WeasyPrint, fonts embedded), one: {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
