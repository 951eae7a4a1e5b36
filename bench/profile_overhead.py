"""The fixed cost of a request: a cheap logged-in page and the log-in page, 500 times each.

    .venv/bin/python bench/profile_overhead.py                       # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/profile_overhead.py --cpu

A village assistant logs in once with the Flask test client; then the change-password page (a
logged-in page whose route does almost nothing: the before-request hooks, the user load, the
layout and the response headers are most of its cost) and, from an anonymous client, the log-in
page are fetched ``--requests`` times. Prints the application's CPU p50 per request (the thread's
CPU clock inside the WSGI app, the test client's work left out) and, with ``--cpu``, a cProfile of
each. The database is WIPED (PostgreSQL) or a temporary file (SQLite). It is not a test.
"""
import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app, seed_visits  # noqa: E402
from bench.profile_requests import print_profile  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGES = {"logged_in": "/password", "header": "/_bench/header", "no_page": "/_bench/plain", "login": "/login"}


def add_bench_pages(app):
    """Two logged-in pages for this bench only: the shared layout with an empty body (the header's
    cost per user) and a plain-text answer (the user load and the hooks, no template)."""
    from flask import render_template
    from flask_login import login_required

    app.add_url_rule("/_bench/header", "bench_header", login_required(lambda: render_template("base.html")))
    app.add_url_rule("/_bench/plain", "bench_plain", login_required(lambda: "ok"))


def measure(app, profile):
    """Wrap the WSGI app: returns the list the CPU milliseconds of each request are appended to."""
    inner = app.wsgi_app
    spent = []

    def measured(environ, start_response):
        started = time.thread_time()
        if profile[0]:
            profile[0].enable()
        try:
            return list(inner(environ, start_response))
        finally:
            if profile[0]:
                profile[0].disable()
            spent.append((time.thread_time() - started) * 1000)

    app.wsgi_app = measured
    return spent


def count_statements(app):
    """Count the SQL statements the app sends: a one-item list, reset by the caller."""
    from sqlalchemy import event

    from webapp.extensions import db

    counted = [0]
    with app.app_context():
        engine = db.engine

    def on_statement(*args):
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    return counted


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--cpu", action="store_true", help="add a cProfile (CPU clock) of each page")
    parser.add_argument("--own", action="store_true", help="sort the profile by the functions' own time")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", help="also write each profile to DUMP.<page>.prof (for pstats callers)")
    args = parser.parse_args()
    app = scratch_app("overhead")
    usernames, _ = seed_visits(app, 4, 1)
    add_bench_pages(app)
    client, anonymous = app.test_client(), app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": usernames[0], "password": "demo1234",
                                           "csrf_token": TOKEN.search(page).group(1)})
    assert response.status_code == 302, response.status_code
    clients = {"logged_in": client, "header": client, "no_page": client, "login": anonymous}
    profile = [None]
    spent = measure(app, profile)
    statements = count_statements(app)
    for kind, path in PAGES.items():  # warm-up: templates, translations, compiled statements
        for _ in range(20):
            assert clients[kind].get(path).status_code == 200
    results = {}
    for kind, path in PAGES.items():
        profile[0] = cProfile.Profile(time.thread_time) if args.cpu else None
        del spent[:]
        statements[0] = 0
        for _ in range(args.requests):
            clients[kind].get(path)
        results[kind] = (list(spent), profile[0], statements[0] / args.requests)
    with app.app_context():
        from webapp.extensions import db
        backend = db.engine.dialect.name
    print(f"backend {backend}: {args.requests} requests per page")
    for kind, (times, prof, per_request) in results.items():
        # Python calls per request (with --cpu): a count that a busy machine does not disturb.
        calls = f"  Python calls per request {pstats.Stats(prof).total_calls / args.requests:.0f}" if prof else ""
        print(f"  {kind:<10} {PAGES[kind]:<14} app cpu p50 {statistics.median(times):6.3f} ms  "
              f"min {min(times):6.3f} ms  SQL statements per request {per_request:.1f}{calls}")
    for kind, (_, prof, _) in results.items():
        if prof and args.dump:
            prof.dump_stats(f"{args.dump}.{kind}.prof")
        if prof:
            print(f"\n  profile of {kind} ({'own' if args.own else 'cumulative'}):")
            print_profile(prof, args.top, args.own)


if __name__ == "__main__":
    main()
