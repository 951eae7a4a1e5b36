"""Where a request's time goes: my tasks, a task page, a form save and a visit completion.

    .venv/bin/python bench/profile_requests.py                       # SQLite (embedded default)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/profile_requests.py

The database is WIPED (PostgreSQL) or a temporary file (SQLite), seeded with a demo county whose
cases wait at the visit. One village assistant works through a Flask test client (CSRF tokens
read from the pages, as a browser does): my tasks, open a task, save a form, finish the visit as
"not at home" (the revisit comes back to the same assistant). Prints, per request type, the
median wall and CPU milliseconds, the SQL statements per request, and the functions where the
CPU went (cProfile, cumulative, this project's and the libraries' biggest). On PostgreSQL running
on the same machine it also prints the CPU the app's backends spent per request (the scheduler's
count in /proc/<pid>/schedstat: parsing, planning, executing, committing). It is not a test.

``--round-trips`` (PostgreSQL) counts the messages psycopg2 sent and waited for, from libpq's
protocol trace (bench/round_trips.py): the statements and also the BEGIN, COMMIT, ROLLBACK and
pings that SQLAlchemy's statement events do not see.

``--ab`` (PostgreSQL) runs main's connection handling (``pool_pre_ping``, psycopg2's own BEGIN)
and webapp/infra/pg_connections.py's by turns, request by request in this one process, and prints
each request type twice ("main", "new"): a busy machine slows both alike.

``--cold`` empties the process's kept workflows (``engine/kept.py``) before each request, and only
them (the parsed specs and the templates stay, as in a warmed worker): each completion reads and
rebuilds the stored state, as under gunicorn's several worker processes, where an assistant's
next request mostly reaches another process than the one that kept the workflow.
"""
import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app, seed_visits  # noqa: E402

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KINDS = ("my_tasks", "open_task", "save_form", "finish_visit")


def _call_site():
    """The innermost frames of this project's code that issued a statement."""
    import traceback

    frames = [f for f in traceback.extract_stack() if "/webapp/" in f.filename and "profile_requests" not in f.filename]
    return " < ".join(f"{f.filename.split('/webapp/')[-1]}:{f.lineno}" for f in reversed(frames[-3:]))


class Recorder:
    """Wall time, CPU time, SQL statements and a profile per request type."""

    def __init__(self, engine, profile, sites=False, cpu_clock=False, cold=False, round_trips=False, ab=False):
        from sqlalchemy import event

        self.cold = cold
        self._engine, self._ab, self._turns = engine, ab, defaultdict(int)
        self.round_trips = defaultdict(list)  # per request type: what each round trip sent
        self._tracer = None
        if round_trips and engine.dialect.name == "postgresql":
            from bench.round_trips import RoundTrips

            self._tracer = RoundTrips(engine)
        self.wall, self.cpu, self.queries = defaultdict(list), defaultdict(list), defaultdict(list)
        self.server_cpu = defaultdict(list)  # inside the WSGI app only: without the test client's work
        self._server_ms = 0.0
        self.statements = defaultdict(lambda: defaultdict(int))
        # CPU clock: time spent waiting on the database is left out, so the profile shows the CPU
        timer = (time.thread_time,) if cpu_clock else ()
        self.profiles = {kind: cProfile.Profile(*timer) for kind in KINDS} if profile else {}
        self._count, self._kind, self._sites = 0, None, sites
        event.listen(engine, "before_cursor_execute", self._on_query)
        # PostgreSQL on this machine: the CPU its backends spent on each request as well
        self.database_cpu, self._backends = defaultdict(list), set()
        if engine.dialect.name == "postgresql":
            event.listen(engine, "checkout", self._on_checkout)

    def _on_checkout(self, dbapi_connection, connection_record, connection_proxy):
        if "backend_pid" not in connection_record.info:
            info = getattr(dbapi_connection, "info", None)  # psycopg 3; psycopg2 has a method
            connection_record.info["backend_pid"] = (
                info.backend_pid if hasattr(info, "backend_pid") else dbapi_connection.get_backend_pid())
        self._backends.add(connection_record.info["backend_pid"])

    def _backend_ns(self):
        """CPU nanoseconds the known backends have run (the scheduler's count: no 10 ms ticks)."""
        total = 0
        for pid in self._backends:
            try:
                with open(f"/proc/{pid}/schedstat") as handle:
                    total += int(handle.read().split()[0])
            except OSError:  # gone, or another machine
                pass
        return total

    def _on_query(self, conn, cursor, statement, parameters, context, executemany):
        self._count += 1
        if self._kind and self._sites:  # the call sites only when listed: finding them is slow
            self.statements[self._kind][" ".join(statement.split())[:70] + "  <- " + _call_site()] += 1

    def wrap(self, app):
        """Measure the CPU time the application itself spends (the test client's share left out)."""
        inner = app.wsgi_app

        def measured(environ, start_response):
            started = time.thread_time()
            try:
                return list(inner(environ, start_response))
            finally:
                self._server_ms += (time.thread_time() - started) * 1000

        app.wsgi_app = measured

    def __call__(self, kind, fn):
        if self.cold:
            from webapp.engine import kept

            kept.clear()  # another worker process served this assistant's last completion
        if self._ab:
            kind = _switch(self._engine, kind, self._turns)
        self._count, self._kind, self._server_ms = 0, kind, 0.0
        profile = self.profiles.get(kind)
        backend_ns = self._backend_ns()
        if self._tracer:
            self._tracer.take()  # what was sent between requests (the bench's own queries)
        wall, cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        try:
            return fn()
        finally:
            if profile:
                profile.disable()
            self.cpu[kind].append((time.process_time() - cpu) * 1000)
            self.server_cpu[kind].append(self._server_ms)
            self.wall[kind].append((time.perf_counter() - wall) * 1000)
            self.queries[kind].append(self._count)
            if self._tracer:
                self.round_trips[kind].append(self._tracer.take())
            if self._backends:
                self.database_cpu[kind].append((self._backend_ns() - backend_ns) / 1e6)
            self._kind = None


def _switch(engine, kind, turns):
    """--ab: this request's connection handling, main's and the new one by turns; its label."""
    from webapp.infra import pg_connections

    turns[kind] += 1
    new = turns[kind] % 2 == 0
    if new:
        pg_connections.install_engine(engine)
    else:
        pg_connections.uninstall_engine(engine)
    engine.pool._pre_ping = not new  # main's SELECT 1 per checkout (a private setting: bench only)
    return f"{kind} {'new' if new else 'main'}"


def logged_in(app, username):
    """A test client logged in as ``username`` (the demo password), as a browser does it."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": "demo1234",
                                           "csrf_token": TOKEN.search(page).group(1)})
    assert response.status_code == 302, response.status_code
    return client


def one_round(app, client, by_case, record):
    """One assistant loop: my tasks, task page, form save, visit completion; False: no task left."""
    page = record("my_tasks", lambda: client.get("/inbox").get_data(as_text=True))
    mine = [int(i) for i in re.findall(r'data-task="(\d+)"', page)]
    if not mine:
        return False
    task_id = mine[0]
    page = record("open_task", lambda: client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True))
    token = TOKEN.search(page).group(1)
    person_id, form = by_case[_case_of(app, task_id)]
    response = record("save_form", lambda: client.post(f"/inbox/tasks/{task_id}/forms/{person_id}",
                                                      data=dict(form, csrf_token=token)))
    assert response.status_code == 302, _errors(response)
    response = record("finish_visit", lambda: client.post(
        f"/inbox/tasks/{task_id}", data={"visit_result": "not_at_home", "visit_date": "2026-06-01",
                                         "visit_comment": "", "csrf_token": token}))
    assert response.status_code == 302, _errors(response)
    return True


def work(app, username, by_case, rounds, record):
    """One assistant's loop through the test client; returns the completions done."""
    client = logged_in(app, username)
    done = 0
    for _ in range(rounds):
        if not one_round(app, client, by_case, record):
            break
        done += 1
    return done


def _errors(response):
    html = response.get_data(as_text=True)
    return re.findall(r'name="([a-z_]+)"|(不是有效的选择)', html)[:80]


def _case_of(app, task_id):
    from webapp.extensions import db
    from webapp.models import InboxTask

    with app.app_context():
        case_id = db.session.get(InboxTask, task_id).case_id
        db.session.remove()
    return case_id


def _round_trip_summary(requests):
    """Round trips per request: the median, and on average how many of each kind."""
    kinds = defaultdict(int)
    for sent in requests:
        for text in sent:
            word = text.split()[0].upper() if text.strip() else ""
            kinds["ping" if text.strip() == "SELECT 1" else word if word in ("BEGIN", "COMMIT", "ROLLBACK")
                  else "statement"] += 1
    parts = ", ".join(f"{name} {kinds[name] / len(requests):.2f}"
                      for name in ("statement", "BEGIN", "COMMIT", "ROLLBACK", "ping"))
    return f"round trips per request: median {statistics.median(len(s) for s in requests):.0f} ({parts})"


def print_profile(profile, top, own=False):
    """The ``top`` functions by cumulative time (or by own time when ``own``)."""
    stats = pstats.Stats(profile)
    width = 0
    rows = []
    for (filename, line, name), (cc, nc, tt, ct, callers) in stats.stats.items():
        short = filename.split("site-packages/")[-1].split("/webapp/")[-1]
        rows.append((ct, tt, nc, f"{short}:{line}({name})"))
    rows.sort(key=(lambda row: row[1]) if own else (lambda row: row[0]), reverse=True)
    total = rows[0][0] if rows else 1
    for ct, tt, nc, where in rows[:top]:
        width = max(width, len(where))
        print(f"      {ct * 1000:9.0f} ms cum {tt * 1000:8.0f} ms own {nc:8d} calls  {where[:120]}")
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=60)
    parser.add_argument("--villages", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--own", action="store_true", help="sort the profile by the functions' own time")
    parser.add_argument("--cpu", action="store_true", help="profile with the thread's CPU clock, not the wall clock")
    parser.add_argument("--no-profile", action="store_true", help="timings and query counts only")
    parser.add_argument("--statements", action="store_true", help="list the SQL statements per request type")
    parser.add_argument("--round-trips", action="store_true",
                        help="PostgreSQL: round trips per request (statements, BEGIN, COMMIT, ROLLBACK, pings)")
    parser.add_argument("--ab", action="store_true",
                        help="PostgreSQL: main's connection handling and pg_connections' by turns (implies --no-profile)")
    parser.add_argument("--cold", action="store_true",
                        help="no kept workflow (engine/kept.py) before each request: completions read the stored state")
    args = parser.parse_args()
    app = scratch_app("profile")
    from webapp.extensions import db

    usernames, by_case = seed_visits(app, args.households, args.villages)
    with app.app_context():
        engine, backend = db.engine, db.engine.dialect.name
    ab = args.ab and backend == "postgresql"
    record = Recorder(engine, not (args.no_profile or ab), args.statements, args.cpu, args.cold, args.round_trips, ab)
    record.wrap(app)
    work(app, usernames[0], by_case, 3, Recorder(engine, False))  # warm-up: parsed specs, templates
    done = work(app, usernames[0], by_case, args.rounds, record)
    print(f"backend {backend}{' (cold: no kept workflows)' if args.cold else ''}: {done} rounds by one assistant "
          f"({args.households} households, {args.villages} villages with staff)")
    for kind in [f"{k} {side}" for k in KINDS for side in ("main", "new")] if ab else KINDS:
        print(f"  {kind:<17} wall p50 {statistics.median(record.wall[kind]):6.1f} ms  "
              f"cpu p50 {statistics.median(record.cpu[kind]):6.1f} ms  "
              f"app cpu p50 {statistics.median(record.server_cpu[kind]):6.2f} min {min(record.server_cpu[kind]):6.2f} ms  "
              + (f"PostgreSQL cpu p50 {statistics.median(record.database_cpu[kind]):5.2f} ms  "
                 if record.database_cpu[kind] else "") +
              f"SQL statements per request: median {statistics.median(record.queries[kind]):.0f}, "
              f"max {max(record.queries[kind])}")
        if record.round_trips[kind]:
            print("      " + _round_trip_summary(record.round_trips[kind]))
        if args.statements:
            for statement, count in sorted(record.statements[kind].items(), key=lambda item: -item[1]):
                print(f"      {count / len(record.queries[kind]):5.1f}x  {statement}")
    for kind, profile in record.profiles.items():
        print(f"\n  profile of {kind} ({len(record.wall[kind])} requests, {'own' if args.own else 'cumulative'}):")
        print_profile(profile, args.top, args.own)


if __name__ == "__main__":
    main()
