"""The campaign peak over HTTP: gunicorn on PostgreSQL, simulated village assistants at work.

    .venv/bin/python bench/bench_http.py --db postgresql://postgres@127.0.0.1/bench \
        [--users 10,50,100] [--seconds 20] [--worker-class gthread --workers 2 --threads 4]
    .venv/bin/python bench/bench_http.py --db ... --compare   # sync workers, then gthread, same data

The database given is WIPED and seeded with a demo county whose cases all wait at the visit,
spread over the village assistants. gunicorn is started on 127.0.0.1 (a free port) and only
there is traffic sent. Each simulated assistant logs in once (its own cookie jar; CSRF tokens
read from the pages, as a browser does), then in a loop: my tasks, open a task, save one
person's registration form, finish the visit as "not at home" (which gives the same assistant
a revisit task, so the work never runs out). Each level runs ``--seconds``; then the trivial
page (the log-in form, anonymous) is hammered by the same number of clients for the ceiling.
Prints requests/s, p50/p95/p99 per request type, visit completions/s and the ratio of the work
mix's requests/s to the ceiling. It is not a test.

The server runs ``bench/wsgi_cpu.py``: every answer says the CPU time its thread spent, so the
report also gives the server's CPU milliseconds per request type (p50 and mean) and the CPU of
all gunicorn processes per work request, figures a machine loaded by other programs disturbs
much less than latencies. ``--compare`` runs the same levels with sync workers
(``--sync-workers``, one thread each) and then with threaded workers (``--workers`` ×
``--threads``) and prints both.
"""
import argparse
import http.cookiejar
import os
import random
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

    def __init__(self, base, stats, think=0.0, stop=None):
        self.base, self.stats, self.think, self.stop = base, stats, think, stop
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def request(self, kind, path, data=None):
        if self.think and self.stop is not None:
            # A person reads the page or fills the form before the next click (0.5-1.5x the mean);
            # not part of the measured latency.
            self.stop.wait(self.think * random.uniform(0.5, 1.5))
        url = self.base + path
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=60) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
                cpu = response.headers.get("X-Cpu-Ms")
        except urllib.error.HTTPError as err:
            status, text, cpu = err.code, err.read().decode("utf-8", "replace"), err.headers.get("X-Cpu-Ms")
        self.stats.record(kind, time.perf_counter() - started, status, float(cpu) if cpu else None)
        return status, text


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.cpu = defaultdict(list)  # server CPU milliseconds per request (X-Cpu-Ms)
        self.errors = defaultdict(int)
        self.statuses = defaultdict(lambda: defaultdict(int))  # kind -> HTTP status -> answers
        self.completions = 0
        self.taken = set()  # inbox rows some session has worked on (see _take)
        self.logged_in = 0
        self.go = threading.Event()

    def record(self, kind, seconds, status, cpu_ms=None):
        with self.lock:
            self.times[kind].append(seconds)
            if cpu_ms is not None:
                self.cpu[kind].append(cpu_ms)
            self.statuses[kind][status] += 1
            if status >= 400:
                self.errors[kind] += 1

    def fail(self, kind):
        """A request answered without doing its work (a form re-shown with errors; not an HTTP error)."""
        with self.lock:
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

    from bench.common import seed_visits
    from config import Config
    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import InboxTask

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(BenchConfig)
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        db.session.remove()
    usernames, by_case = seed_visits(app, households, villages)
    with app.app_context():
        task_case = {row.id: row.case_id for row in InboxTask.query.filter_by(task_name="visit_household")}
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


def _take(stats, task_ids):
    """The first of ``task_ids`` no session of the bench has taken yet, now taken (or None).

    Several sessions of one assistant share a task list: each task is worked by one session
    only, as two people never visit the same household at once (a second session finishing a
    task already done got the "already finished" redirect, counted as a completion before).
    Done tasks never come back (a revisit is a new inbox row), so taken ids stay taken.
    """
    with stats.lock:
        for task_id in task_ids:
            if task_id not in stats.taken:
                stats.taken.add(task_id)
                return task_id
    return None


def assistant(base, stats, username, stop, app, by_case, task_case, think=0.0):
    browser = Browser(base, stats)
    _, page = browser.request("login_form", "/login")
    status, _ = browser.request("login", "/login", {"username": username, "password": "demo1234",
                                                    "csrf_token": TOKEN.search(page).group(1)})
    with stats.lock:
        stats.logged_in += 1
    if status != 302:
        return
    stats.go.wait()  # the work is timed once everyone is in (log-ins are reported on their own)
    browser.think, browser.stop = think, stop
    while not stop.is_set():
        _, page = browser.request("my_tasks", "/inbox")
        task_id = _take(stats, [int(i) for i in re.findall(r'data-task="(\d+)"', page)])
        if task_id is None:  # every task on the page is another session's (or was done already)
            stop.wait(0.2)
            continue
        status, page = browser.request("open_task", f"/inbox/tasks/{task_id}")
        match = TOKEN.search(page)
        if status != 200 or not match:
            continue
        person_id, form = by_case[case_of(app, task_id, task_case)]
        status, _ = browser.request("save_form", f"/inbox/tasks/{task_id}/forms/{person_id}",
                                    dict(form, csrf_token=match.group(1)))
        if status == 200:  # the form came back with errors: nothing was saved (>= 400 counted already)
            stats.fail("save_form")
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


def run_level(target, count, seconds, meter=None):
    """Run ``count`` clients for ``seconds`` once all have logged in.

    ``meter`` (optional) is called when the timed window opens and again once every client
    has stopped: what it measures between the two calls leaves the log-ins out.
    """
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
    if meter:
        meter()
    stats.go.set()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(90)
    elapsed = time.perf_counter() - started
    if meter:
        meter()
    return stats, elapsed


def report(label, stats, elapsed, kinds):
    total = sum(len(stats.times[k]) for k in kinds)
    print(f"  {label}: {total / elapsed:.1f} requests/s over {elapsed:.1f}s")
    for kind in kinds:
        values, cpu = stats.times[kind], stats.cpu[kind]
        if values:
            cpu_text = (f"  server CPU p50 {statistics.median(cpu):5.1f} ms mean {statistics.fmean(cpu):5.1f} ms"
                        if cpu else "")
            odd = {status: n for status, n in stats.statuses[kind].items() if status not in (200, 302)}
            odd_text = f" (HTTP {', '.join(f'{status}: {n}' for status, n in sorted(odd.items()))})" if odd else ""
            print(f"    {kind:<13} n={len(values):>5}  p50 {_pct(values, .5):7.0f} ms  p95 {_pct(values, .95):7.0f} ms  "
                  f"p99 {_pct(values, .99):7.0f} ms  errors {stats.errors[kind]}{odd_text}{cpu_text}")
    return total / elapsed


def server_cpu_seconds(server):
    """CPU seconds used so far by the gunicorn master and its workers."""
    import psutil

    try:
        master = psutil.Process(server.pid)
        processes = [master] + master.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def database_cpu(url):
    """{pid: CPU seconds} of the PostgreSQL backends serving database ``url`` (same machine)."""
    import psutil
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = [row[0] for row in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
    finally:
        engine.dispose()
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            seconds[pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return seconds


def start_server(args, worker_class, workers, threads):
    """gunicorn on a free local port with the CPU-reporting app; returns (process, base URL)."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=args.db, REDIS_URL=args.redis, SECRET_KEY="bench-http-secret")
    command = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "-k", worker_class,
               "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
               "--log-level", "warning", "bench.wsgi_cpu:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/login", timeout=5).read()
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def run_server(args, worker_class, workers, threads, seeded):
    """Every user level against one server configuration; returns {users: figures}."""
    usernames, by_case, task_case, app = seeded
    server, base = start_server(args, worker_class, workers, threads)
    figures = {}
    try:
        print(f"\n== gunicorn -k {worker_class} -w {workers} --threads {threads}; "
              f"load average {os.getloadavg()[0]:.2f}")
        for count in (int(n) for n in args.users.split(",")):
            def work(stats, index, stop, count=count):
                username = usernames[index % len(usernames)]
                assistant(base, stats, username, stop, app, by_case, task_case,
                          args.think_ms / 1000)

            readings = []  # (gunicorn, PostgreSQL backends, bench client) CPU when the window opens and closes

            def meter():
                readings.append((server_cpu_seconds(server), database_cpu(args.db), time.process_time()))

            stats, elapsed = run_level(work, count, args.seconds, meter)
            kinds = ["my_tasks", "open_task", "save_form", "finish_visit"]
            # The work requests of the timed window (the log-ins, scrypt-bound, come before it)
            requests_done = sum(len(stats.times[k]) for k in kinds)
            (cpu_before, db_before, client_before), (cpu_after, db_after, client_after) = readings
            cpu_per_request = (cpu_after - cpu_before) * 1000 / max(1, requests_done)
            client_per_request = (client_after - client_before) * 1000 / max(1, requests_done)
            db_per_request = (sum(after - db_before.get(pid, 0.0) for pid, after in db_after.items()) * 1000
                              / max(1, requests_done))
            print(f"{count} users (load average {os.getloadavg()[0]:.2f}; think time {args.think_ms} ms):")
            report("log-in (before the timed window)", stats, elapsed, ["login"])
            rate = report("work mix", stats, elapsed, kinds)
            completions = stats.completions / elapsed
            print(f"    visit completions/s {completions:.1f}; CPU per work request (log-ins left out): gunicorn "
                  f"{cpu_per_request:.1f} ms, PostgreSQL {db_per_request:.1f} ms, bench client {client_per_request:.1f} ms")
            ceiling_stats, ceiling_elapsed = run_level(lambda s, i, stop: trivial(base, s, stop), count,
                                                       min(args.seconds, 10))
            ceiling = report("trivial page", ceiling_stats, ceiling_elapsed, ["trivial"])
            print(f"    ratio work mix / trivial page: {rate / ceiling:.2f}")
            figures[count] = {"rate": rate, "completions": completions, "ceiling": ceiling,
                              "finish_p95": _pct(stats.times["finish_visit"], .95) if stats.times["finish_visit"] else 0,
                              "my_tasks_p95": _pct(stats.times["my_tasks"], .95) if stats.times["my_tasks"] else 0}
    finally:
        server.terminate()
        server.wait(30)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (it is wiped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--users", default="10,50,100")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--think-ms", type=float, default=0,
                        help="mean pause of a simulated assistant before each click (0: back-to-back, the stress model)")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--compare", action="store_true",
                        help="run sync workers (--sync-workers) and then gthread (--workers x --threads)")
    parser.add_argument("--sync-workers", type=int, default=5, help="sync workers in --compare (2 x cores + 1)")
    args = parser.parse_args()
    started = time.perf_counter()
    seeded = seed(args.db, args.households, args.villages)
    print(f"seeded {len(seeded[1])} cases for {len(seeded[0])} assistants in {time.perf_counter() - started:.0f}s")
    if not args.compare:
        run_server(args, args.worker_class, args.workers, args.threads, seeded)
        return
    results = {"sync": run_server(args, "sync", args.sync_workers, 1, seeded),
               "gthread": run_server(args, "gthread", args.workers, args.threads, seeded)}
    print("\n== side by side (work requests/s, completions/s, completion p95, my-tasks p95, ratio to trivial)")
    for label, figures in results.items():
        for users, f in figures.items():
            print(f"  {label:<8} {users:>4} users: {f['rate']:6.1f} req/s  {f['completions']:5.1f} compl/s  "
                  f"p95 {f['finish_p95']:6.0f} ms  my-tasks p95 {f['my_tasks_p95']:6.0f} ms  "
                  f"ratio {f['rate'] / f['ceiling']:.2f}")


if __name__ == "__main__":
    main()
