"""The campaign peak over HTTP: gunicorn on PostgreSQL, simulated village assistants at work.

    .venv/bin/python bench/bench_http.py --db postgresql://postgres@127.0.0.1/bench \
        [--users 10,50,100] [--seconds 20] [--worker-class gthread --workers 2 --threads 4]

The database given is WIPED and seeded with a demo county whose cases all wait at the visit,
spread over the village assistants. gunicorn is started on 127.0.0.1 (a free port) and only
there is traffic sent. Each simulated assistant logs in once (its own cookie jar; CSRF tokens
read from the pages, as a browser does), then in a loop: my tasks, open a task, save one
person's registration form, finish the visit as "not at home" (which gives the same assistant
a revisit task, so the work never runs out). Each level runs ``--seconds``; then the trivial
page (the log-in form, anonymous) is hammered by the same number of clients for the ceiling.
Prints requests/s, p50/p95/p99 per request type, visit completions/s and the ratio of the work
mix's requests/s to the ceiling. It is not a test.
"""
import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookie jar; requests only to the bench's own server on 127.0.0.1."""

    def __init__(self, base, stats):
        self.base, self.stats = base, stats
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, kind, path, data=None):
        url = self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            status, text = err.code, err.read().decode("utf-8", "replace")
        self.stats.record(kind, time.perf_counter() - started, status)
        return status, text


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.completions = 0
        self.logged_in = 0
        self.go = threading.Event()

    def record(self, kind, seconds, status):
        with self.lock:
            self.times[kind].append(seconds)
            if status >= 400:
                self.errors[kind] += 1


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url, households, villages):
    """Wipe ``url``, migrate, build the demo county and bring every case to its visit."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from config import Config
    from webapp import create_app
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.models import InboxTask, Person, User
    from webapp.services.casework import cases, tasks
    from webapp.synthetic import demo

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(BenchConfig)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
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
        for person in Person.query.all():
            people.setdefault(person.household_id, []).append(person)
        by_case = {}
        from webapp.models import Case

        for case in Case.query.filter_by(kind="registration"):
            member = people[case.household_id][0]
            by_case[case.id] = (member.id, {
                "name": member.name, "id_number": member.id_number, "sex": member.sex or "M", "ethnicity": "汉族",
                "relation_to_head": member.relation_to_head or "户主", "household_type": "agricultural",
                "status": "normal", "medical_scheme": "resident_medical", "medical_where": "local",
                "uninsured_reason": "hardship", "willing_to_enroll": "yes", "willing_scheme": "resident_pension",
                "outcome_code": "unwilling", "policy_explained": "y", "signature": "signed"})
        task_case = {row.id: row.case_id for row in InboxTask.query.filter_by(task_name="visit_household")}
        usernames = [u.username for u in visitors]
        db.session.remove()
        db.engine.dispose()
    return usernames, by_case, task_case, app


def case_of(app, task_id, cache):
    """The case of inbox row ``task_id`` (bench bookkeeping, not timed)."""
    if task_id not in cache:
        from webapp.extensions import db
        from webapp.models import InboxTask

        with app.app_context():
            cache[task_id] = db.session.get(InboxTask, task_id).case_id
            db.session.remove()
    return cache[task_id]


def assistant(base, stats, username, slot, sessions, stop, app, by_case, task_case):
    browser = Browser(base, stats)
    _, page = browser.request("login_form", "/login")
    status, _ = browser.request("login", "/login", {"username": username, "password": "demo1234",
                                                    "csrf_token": TOKEN.search(page).group(1)})
    with stats.lock:
        stats.logged_in += 1
    if status != 302:
        return
    stats.go.wait()  # the work is timed once everyone is in (log-ins are reported on their own)
    while not stop.is_set():
        _, page = browser.request("my_tasks", "/inbox")
        mine = [int(i) for i in re.findall(r'data-task="(\d+)"', page)]
        mine = [i for i in mine if i % sessions == slot] or mine[:1]
        if not mine:
            time.sleep(0.2)
            continue
        task_id = mine[0]
        status, page = browser.request("open_task", f"/inbox/tasks/{task_id}")
        match = TOKEN.search(page)
        if status != 200 or not match:
            continue
        person_id, form = by_case[case_of(app, task_id, task_case)]
        browser.request("save_form", f"/inbox/tasks/{task_id}/forms/{person_id}",
                        dict(form, csrf_token=match.group(1)))
        status, _ = browser.request("finish_visit", f"/inbox/tasks/{task_id}",
                                    {"visit_result": "not_at_home", "visit_date": "2026-06-01",
                                     "visit_comment": "", "csrf_token": match.group(1)})
        if status == 302:
            with stats.lock:
                stats.completions += 1


def trivial(base, stats, stop):
    browser = Browser(base, stats)
    with stats.lock:
        stats.logged_in += 1
    stats.go.wait()
    while not stop.is_set():
        browser.request("trivial", "/login")


def run_level(target, count, seconds):
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=target, args=(stats, index, stop)) for index in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 300
    while stats.logged_in < count and time.monotonic() < deadline:
        time.sleep(0.05)
    with stats.lock:
        for kind in [k for k in stats.times if k != "login"]:
            stats.times[kind].clear()  # the log-in form pages are not part of the timed mix
    stats.go.set()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(90)
    return stats, time.perf_counter() - started


def report(label, stats, elapsed, kinds):
    total = sum(len(stats.times[k]) for k in kinds)
    print(f"  {label}: {total / elapsed:.1f} requests/s over {elapsed:.1f}s")
    for kind in kinds:
        values = stats.times[kind]
        if values:
            print(f"    {kind:<13} n={len(values):>5}  p50 {_pct(values, .5):7.0f} ms  p95 {_pct(values, .95):7.0f} ms  "
                  f"p99 {_pct(values, .99):7.0f} ms  errors {stats.errors[kind]}")
    return total / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (it is wiped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--users", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    started = time.perf_counter()
    usernames, by_case, task_case, app = seed(args.db, args.households, args.villages)
    print(f"seeded {len(by_case)} cases for {len(usernames)} assistants in {time.perf_counter() - started:.0f}s")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=args.db, REDIS_URL=args.redis, SECRET_KEY="bench-http-secret")
    command = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-k", args.worker_class,
               "-w", str(args.workers), "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "webapp.wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        print(f"gunicorn -k {args.worker_class} -w {args.workers} --threads {args.threads}; "
              f"load average {os.getloadavg()[0]:.2f}")
        for count in (int(n) for n in args.users.split(",")):
            def work(stats, index, stop, count=count):
                username = usernames[index % len(usernames)]
                sessions = max(1, -(-count // len(usernames)))
                assistant(base, stats, username, index // len(usernames), sessions, stop, app, by_case, task_case)

            stats, elapsed = run_level(work, count, args.seconds)
            print(f"{count} users (load average {os.getloadavg()[0]:.2f}):")
            report("log-in (before the timed window)", stats, elapsed, ["login"])
            rate = report("work mix", stats, elapsed, ["my_tasks", "open_task", "save_form", "finish_visit"])
            print(f"    visit completions/s {stats.completions / elapsed:.1f}")
            ceiling_stats, ceiling_elapsed = run_level(lambda s, i, stop: trivial(base, s, stop), count,
                                                       min(args.seconds, 10))
            ceiling = report("trivial page", ceiling_stats, ceiling_elapsed, ["trivial"])
            print(f"    ratio work mix / trivial page: {rate / ceiling:.2f}")
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
