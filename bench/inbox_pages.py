"""App CPU of the "my tasks" page for a village assistant and a township user (team and mine tabs).

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/inbox_pages.py [--rounds 300]

The database is WIPED (PostgreSQL) or a temporary file (SQLite), seeded with a demo county: 50 of
its distribution tasks done (the village assistants get visits), 8 claimed by the township and the
rest left in the township's team lane, so each tab shows a page of rows. Prints the thread CPU
the WSGI app spent per request (p50, p25, min), the tabs taking turns. It is not a test; compare
two checkouts with paired runs, the machine being noisy.
"""
import argparse
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(app):
    """The demo county with tasks in every tab; returns a village assistant's user name."""
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.models import InboxTask, User
    from webapp.services.casework import cases, tasks
    from webapp.synthetic import demo

    with app.app_context():
        deploy_shipped_diagrams()
        demo.seed(households=90, villages_with_staff=2)
        db.session.commit()
        township = User.query.filter_by(username="township").one()
        visitors = User.query.filter_by(role="village").order_by(User.username).all()
        rows = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).all()
        for index, row in enumerate(rows[:50]):
            visitor = visitors[index % len(visitors)]
            cases.claim(row, township)
            tasks.assign_household(row, township, visitor.area.code, visitor.id)
            db.session.commit()
        for row in rows[50:58]:
            cases.claim(row, township)
            db.session.commit()
        name = visitors[0].username
        db.session.remove()
    return name


def login(app, username):
    """A test client logged in as ``username`` (CSRF token read from the page, as a browser does)."""
    client = app.test_client()
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": "demo1234", "csrf_token": token})
    assert response.status_code in (302, 303), response.status_code
    return client


def main():
    """Seed, then time the three tabs in turns."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    app = scratch_app("inbox-pages")
    village = seed(app)
    inner, spent = app.wsgi_app, [0.0]

    def measured(environ, start_response):
        started = time.thread_time()
        try:
            return list(inner(environ, start_response))
        finally:
            spent[0] = (time.thread_time() - started) * 1000

    app.wsgi_app = measured
    tabs = [("village_mine", login(app, village), "/inbox"), ("township_team", login(app, "township"), "/inbox?view=team"),
            ("township_mine", login(app, "township"), "/inbox")]
    for name, client, url in tabs:
        print(f"{name}: {client.get(url).get_data(as_text=True).count('<tr data-task=')} rows")
    results = {name: [] for name, _client, _url in tabs}
    for _ in range(args.rounds):
        for name, client, url in tabs:
            assert client.get(url).status_code == 200
            results[name].append(spent[0])
    for name, values in results.items():
        values.sort()
        print(f"{name:14s} app cpu p50 {statistics.median(values):.2f} ms  p25 {values[len(values) // 4]:.2f}"
              f"  min {values[0]:.2f}")


if __name__ == "__main__":
    main()
