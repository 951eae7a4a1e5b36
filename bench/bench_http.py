"""The campaign peak over HTTP: gunicorn on PostgreSQL, simulated village assistants at work.

    .venv/bin/python bench/bench_http.py --db postgresql://postgres@127.0.0.1/bench \
        [--users 10,50,100] [--seconds 20] [--think-ms 0,500] \
        [--worker-class sync --workers 3 --threads 1] [--keep-alive 5] [--gunicorn-args "..."]
    .venv/bin/python bench/bench_http.py --db ... --compare   # sync workers, then gthread, same data

The database given is WIPED and seeded with a demo county whose cases all wait at the visit,
spread over the village assistants. gunicorn is started on 127.0.0.1 (a free port) and only
there is traffic sent. Each simulated assistant is a browser (bench/http_client.py: one
persistent HTTP/1.1 connection, reopened when the server closes it, and its own cookies; CSRF
tokens read from the pages; redirects not followed). It logs in once, then in a loop: my tasks,
open a task, save one person's registration form, finish the visit as "not at home" (which
gives the same assistant a revisit task, so the work never runs out). Each level (a number of
users and a think time) is timed for ``--seconds``: only answers arriving inside the window are
counted. Then the trivial page (the log-in form, anonymous) is hammered by the same number of
clients, without think time, for the ceiling. Prints per level requests/s (the arrival rate),
p50/p95/p99 per request type, visit completions/s, the ratio of the work mix's requests/s to
the ceiling, and at the end a summary table with the issue 11 targets. It is not a test.

``--think-ms`` takes a list (``0,500``): 0 is the stress model (clicks back to back, a closed
system whose latency is users / throughput); a think time gives each person a pause of 0.5-1.5
times it before each click, as people read and type.

The server runs ``bench/wsgi_cpu.py``: every answer says the CPU time its thread spent, so the
report also gives the server's CPU milliseconds per request type (p50 and mean), and over the
window the CPU of all gunicorn processes, of the PostgreSQL backends and of this client per
work request: figures a machine loaded by other programs disturbs much less than latencies.
``--compare`` runs the same levels with sync workers (``--sync-workers``, one thread each; they
close every connection) and then with threaded workers (``--gthread-workers`` x
``--gthread-threads``, which keep connections open for gunicorn's ``--keep-alive`` seconds) and
prints both.
"""
import argparse
import http.client
import os
import re
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.http_client import Browser, Stats, Stopped  # noqa: E402  (after the path is set)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TASK = re.compile(r'data-task="(\d+)"')
FORM_LINK = re.compile(r'href="/inbox/tasks/\d+/forms/(\d+)"')
WORK = ["my_tasks", "open_task", "save_form", "finish_visit"]
# Issue 11's targets on this 2-core machine (the first three stated for 100 users).
TARGET_COMPLETIONS, TARGET_FINISH_P95, TARGET_MY_TASKS_P95, TARGET_RATIO = 40, 300, 150, 0.3


def _pct(values, p):
    ordered = sorted(values)
    # No sample: not a number, so that no target counts as met on a level that never got there.
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else float("nan")


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
        db.engine.dispose()
    # The person whose form each case's visit saves, and that form, by person id: the client
    # finds the person's link on the task page, as a browser user does (no database look-up).
    return usernames, dict(by_case.values())


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


def assistant(browser, stats, username, stop, forms, think=0.0):
    """Log in, wait for the window, then work visits until the window closes."""
    status = 0
    try:
        _, page = browser.request("login_form", "/login")
        match = TOKEN.search(page)
        if match:
            status, _ = browser.request("login", "/login", {"username": username, "password": "demo1234",
                                                            "csrf_token": match.group(1)})
    finally:
        with stats.lock:
            stats.logged_in += 1  # in or not: the window must not wait for this person
    if status != 302:
        return
    stats.go.wait()  # the work is timed once everyone is in (log-ins are reported on their own)
    browser.think, browser.stop = think, stop
    while not stop.is_set():
        _, page = browser.request("my_tasks", "/inbox")
        task_id = _take(stats, [int(i) for i in TASK.findall(page)])
        if task_id is None:  # every task on the page is another session's (or was done already)
            stop.wait(0.2)
            continue
        status, page = browser.request("open_task", f"/inbox/tasks/{task_id}")
        match = TOKEN.search(page)
        if status != 200 or not match:
            continue
        person_id = next((int(i) for i in FORM_LINK.findall(page) if int(i) in forms), None)
        if person_id is None:  # the seeded person's form link is missing from the task page
            stats.fail("open_task")
            continue
        form = forms[person_id]
        status, _ = browser.request("save_form", f"/inbox/tasks/{task_id}/forms/{person_id}",
                                    dict(form, csrf_token=match.group(1)))
        if status == 200:  # the form came back with errors: nothing was saved (>= 400 counted already)
            stats.fail("save_form")
        status, _ = browser.request("finish_visit", f"/inbox/tasks/{task_id}",
                                    {"visit_result": "not_at_home", "visit_date": "2026-06-01",
                                     "visit_comment": "", "csrf_token": match.group(1)})
        if status == 302:
            stats.complete()


def trivial(browser, stats, stop):
    """Fetch the anonymous log-in form back to back (the ceiling)."""
    with stats.lock:
        stats.logged_in += 1
    stats.go.wait()
    browser.stop = stop
    while True:
        browser.request("trivial", "/login")


def run_level(target, port, count, seconds, meters):
    """``count`` browsers running ``target`` for a window of ``seconds``.

    ``meters`` are callables giving CPU seconds, read at the window's start and end. Returns
    (stats, window seconds, {meter: CPU seconds in the window}).
    """
    stats, stop = Stats(), threading.Event()
    browsers = [Browser("127.0.0.1", port, stats) for _ in range(count)]

    def run(browser, index):
        try:
            target(browser, stats, index, stop)
        except Stopped:
            pass
        finally:
            browser.close()

    threads = [threading.Thread(target=run, args=(browser, index)) for index, browser in enumerate(browsers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 300
    while stats.logged_in < count and time.monotonic() < deadline:
        time.sleep(0.05)
    with stats.lock:
        for kind in [k for k in stats.times if k != "login"]:
            stats.times[kind].clear()  # the log-in form pages are not part of the timed mix
            stats.cpu[kind].clear()
            stats.statuses[kind].clear()
            stats.errors[kind] = 0
        stats.reconnects = 0
    before = {name: meter() for name, meter in meters.items()}
    started = time.perf_counter()
    stats.go.set()
    time.sleep(seconds)
    stats.close()
    elapsed = time.perf_counter() - started
    used = {name: meter() - before[name] for name, meter in meters.items()}
    stop.set()
    for thread in threads:
        thread.join(90)
    return stats, elapsed, used


def report(label, stats, elapsed, kinds):
    """Print requests/s and the latency and server CPU of each request type; return requests/s."""
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


def database_cpu_seconds(url):
    """CPU seconds used so far by the PostgreSQL backends serving database ``url`` (same machine)."""
    import psutil
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = [row[0] for row in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"))]
    finally:
        engine.dispose()
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def start_server(args, worker_class, workers, threads, root=ROOT):
    """gunicorn on a free local port with the CPU-reporting app of checkout ``root``; returns
    (process, port, label)."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=args.db, REDIS_URL=args.redis, SECRET_KEY="bench-http-secret")
    if worker_class == "sync" and threads != 1:
        # gunicorn quietly runs gthread when sync is asked for with threads > 1: measure what was asked.
        print(f"sync workers run one thread each (--threads {threads} ignored)")
        threads = 1
    options = ["-k", worker_class, "-w", str(workers), "--threads", str(threads)]
    if args.keep_alive is not None:
        options += ["--keep-alive", f"{args.keep_alive:g}"]
    options += shlex.split(args.gunicorn_args)
    command = [os.path.join(os.path.dirname(sys.executable), "gunicorn"), *options,
               "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.wsgi_cpu:app"]
    server = subprocess.Popen(command, cwd=root, env=env)
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/login")
            connection.getresponse().read()
            connection.close()
            break
        except OSError:
            time.sleep(0.2)
    return server, port, " ".join(options)


def _levels(text, kind=int):
    return [kind(value) for value in text.split(",") if value.strip()]


def run_server(args, worker_class, workers, threads, seeded):
    """Every user level and think time against one server configuration; returns [figures]."""
    usernames, forms = seeded
    server, port, label = start_server(args, worker_class, workers, threads)
    meters = {"server": lambda: server_cpu_seconds(server), "database": lambda: database_cpu_seconds(args.db),
              "client": time.process_time}
    rows = []
    try:
        print(f"\n== gunicorn {label}; load average {os.getloadavg()[0]:.2f}")
        for count in _levels(args.users):
            for think_ms in _levels(args.think_ms, float):
                def work(browser, stats, index, stop, think=think_ms / 1000):
                    assistant(browser, stats, usernames[index % len(usernames)], stop, forms, think)

                stats, elapsed, used = run_level(work, port, count, args.seconds, meters)
                rows.append(level_report(label, count, think_ms, stats, elapsed, used))
            ceiling_stats, ceiling_elapsed, _ = run_level(lambda b, s, i, stop: trivial(b, s, stop), port, count,
                                                          min(args.seconds, 10), {})
            ceiling = report(f"trivial page ({count} clients, no think time)", ceiling_stats, ceiling_elapsed,
                             ["trivial"])
            for row in rows:
                if row["users"] == count and "ceiling" not in row:
                    row["ceiling"] = ceiling
                    print(f"    ratio work mix / trivial page at think {row['think']:g} ms: {row['rate'] / ceiling:.2f}")
    finally:
        server.terminate()
        server.wait(30)
    return rows


def level_report(label, count, think_ms, stats, elapsed, used):
    """Print one level's figures; return them for the summary."""
    work_requests = sum(len(stats.times[k]) for k in WORK)
    per_request = {name: seconds * 1000 / max(1, work_requests) for name, seconds in used.items()}
    mean_latency = statistics.fmean(v for k in WORK for v in stats.times[k]) if work_requests else 0.0
    offered = f"; at most {count * 1000 / think_ms:.0f}/s at zero latency" if think_ms else ""
    print(f"{count} users, think time {think_ms:g} ms (load average {os.getloadavg()[0]:.2f}): "
          f"arrival rate {work_requests / elapsed:.1f} requests/s "
          f"(users / (think + mean latency {mean_latency * 1000:.0f} ms){offered})")
    report("log-in (before the timed window)", stats, elapsed, ["login"])
    rate = report("work mix", stats, elapsed, WORK)
    completions = stats.completions / elapsed
    print(f"    visit completions/s {completions:.1f}; CPU per work request in the window: gunicorn "
          f"{per_request['server']:.1f} ms, PostgreSQL {per_request['database']:.1f} ms, "
          f"bench client {per_request['client']:.2f} ms; kept-alive connections reopened {stats.reconnects}")
    finish, my_tasks = stats.times["finish_visit"], stats.times["my_tasks"]
    return {"label": label, "users": count, "think": think_ms, "rate": rate, "completions": completions,
            "finish": [_pct(finish, p) for p in (.5, .95, .99)], "my_tasks_p95": _pct(my_tasks, .95),
            "cpu": per_request}


def summary(rows):
    """The table of every server configuration and level, with the issue 11 targets met or not."""
    print(f"\n== summary (targets of issue 11: >= {TARGET_COMPLETIONS} completions/s, completion p95 <= "
          f"{TARGET_FINISH_P95} ms, my-tasks p95 <= {TARGET_MY_TASKS_P95} ms at 100 users; "
          f"ratio to the trivial page >= {TARGET_RATIO}; CPU in ms per work request)")
    print(f"{'server':<44} {'users':>5} {'think':>5} {'req/s':>6} {'compl/s':>7} {'c p50':>6} {'c p95':>6} "
          f"{'c p99':>6} {'my p95':>6} {'ratio':>5} {'gunic':>5} {'PG':>4} {'clnt':>4}  targets")
    for row in rows:
        ratio = row["rate"] / row["ceiling"] if row.get("ceiling") else 0.0
        checks = [("compl", row["completions"] >= TARGET_COMPLETIONS), ("p95", row["finish"][1] <= TARGET_FINISH_P95),
                  ("my", row["my_tasks_p95"] <= TARGET_MY_TASKS_P95), ("ratio", ratio >= TARGET_RATIO)]
        met = " ".join(f"{name}:{'yes' if ok else 'NO'}" for name, ok in checks)
        cpu = row["cpu"]
        print(f"{row['label']:<44} {row['users']:>5} {row['think']:>5g} {row['rate']:>6.1f} {row['completions']:>7.1f} "
              f"{row['finish'][0]:>6.0f} {row['finish'][1]:>6.0f} {row['finish'][2]:>6.0f} {row['my_tasks_p95']:>6.0f} "
              f"{ratio:>5.2f} {cpu['server']:>5.1f} {cpu['database']:>4.1f} {cpu['client']:>4.2f}  {met}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (it is wiped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--users", default="10,50,100", help="user levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="timed window of each level")
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--think-ms", default="0",
                        help="mean pause of a simulated assistant before each click, one level per value "
                             "(e.g. 0,500; 0: back-to-back, the stress model)")
    # The README's production setting (sync, cores + 1 on this 2-core machine); --compare for threads.
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep-alive", type=float, default=None,
                        help="gunicorn --keep-alive seconds (threaded workers; gunicorn's default is 2)")
    parser.add_argument("--gunicorn-args", default="", help="more gunicorn options, passed as they are")
    parser.add_argument("--compare", action="store_true",
                        help="run sync workers (--sync-workers) and then gthread "
                             "(--gthread-workers x --gthread-threads)")
    parser.add_argument("--sync-workers", type=int, default=3, help="sync workers in --compare (cores + 1)")
    parser.add_argument("--gthread-workers", type=int, default=2, help="threaded workers in --compare")
    parser.add_argument("--gthread-threads", type=int, default=4, help="threads per worker in --compare")
    args = parser.parse_args()
    started = time.perf_counter()
    seeded = seed(args.db, args.households, args.villages)
    print(f"seeded {len(seeded[1])} cases for {len(seeded[0])} assistants in {time.perf_counter() - started:.0f}s")
    if args.compare:
        rows = (run_server(args, "sync", args.sync_workers, 1, seeded)
                + run_server(args, "gthread", args.gthread_workers, args.gthread_threads, seeded))
    else:
        rows = run_server(args, args.worker_class, args.workers, args.threads, seeded)
    summary(rows)


if __name__ == "__main__":
    main()
