"""Fixtures and helpers for tests with real processes (no tests here): a clock file every process
reads, a private redis-server, real worker processes, and counting what the timers did.
conftest.py loads this module as a plugin, so every test may ask for ``clock_file``,
``redis_server`` or ``workers``; the helpers are imported from here.

Waits are on conditions (a process gone, a row written, a log line seen), each with a generous
upper bound (PATIENCE) that only a broken test reaches: a busy machine makes them slower, not red.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func

from webapp.extensions import db
from webapp.models import Case, CaseEvent, Household, InboxTask, ProcessInstance
from webapp.models.base import utcnow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Seconds any single wait may take before the test fails (only reached when something is broken).
PATIENCE = float(os.environ.get("TEST_PATIENCE_SECONDS", "300"))
# What a worker logs once it has noticed Redis is gone (RQ's dequeue loop, or workers/__main__).
REDIS_LOST_MARKERS = ("could not connect to Redis", "Redis unavailable", "quit unexpectedly")


class ClockFile:
    """The injectable clock (APP_CLOCK_FILE) shared by the test process and its workers."""

    def __init__(self, path):
        self.path = str(path)
        self.base = datetime.now(timezone.utc).replace(microsecond=0)
        self.set(self.base)

    def set(self, value):
        with open(self.path + ".tmp", "w") as handle:
            handle.write(value.isoformat())
        os.replace(self.path + ".tmp", self.path)  # atomic: a reader never sees half a time

    def advance(self, **delta):
        """Move to ``base + delta`` (days=, hours=, minutes=)."""
        self.set(self.base + timedelta(**delta))


@pytest.fixture
def clock_file(tmp_path, monkeypatch):
    """Every process (this one and the workers it starts) reads the time from one file."""
    from webapp import clock

    clock.set_now(None)
    path = tmp_path / "clock.txt"
    clock_before = clock.clock_file()
    monkeypatch.setenv("APP_CLOCK_FILE", str(path))  # for the workers this test starts
    clock.use_file(str(path))  # this process read the variable before
    yield ClockFile(path)
    clock.use_file(clock_before)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, which the test may stop and start again (data lost)."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = str(directory)
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=PATIENCE)
            self.process = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path, app):
    """A private Redis for this test; the app under test uses it too."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory).start()
    app.config["REDIS_URL"] = server.url
    yield server
    server.stop()


class Workers:
    """Real ``python -m workers`` processes, started in sessions of their own."""

    def __init__(self, app, tmp_path, redis_url, clock):
        self.env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
                        APP_CLOCK_FILE=clock.path, INSTANCE_DIR=str(tmp_path), WORKER_PERIODIC_MAX_INTERVAL="1",
                        PYTHONPATH=ROOT, PYTHONUNBUFFERED="1")  # log lines reach the file at once
        self.tmp_path = tmp_path
        self.processes = []

    def start(self, *args):
        log = open(self.tmp_path / f"worker{len(self.processes)}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "workers", *args], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def kill(self, process):
        """SIGKILL the worker and its work horse (RQ puts the horse in a process group of its
        own), with no clean-up of any kind: the job in hand dies mid-transaction."""
        horses = descendants(process.pid)
        for pid in [process.pid, *horses]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=PATIENCE)
        for pid in horses:
            _wait_gone(pid)

    def stop_all(self):
        for process in self.processes:
            if process.poll() is None:
                self.kill(process)

    def log_sizes(self):
        """How much each worker has logged so far (a mark for :meth:`idle_without_redis`)."""
        return [(self.tmp_path / f"worker{i}.log").stat().st_size for i in range(len(self.processes))]

    def idle_without_redis(self, mark):
        """True once every running worker logged (after ``mark``) that Redis is gone and has no
        job in hand (no work-horse child): from then on nothing can run until Redis returns."""
        for index, process in enumerate(self.processes):
            if process.poll() is not None:
                continue
            with open(self.tmp_path / f"worker{index}.log", errors="replace") as handle:
                handle.seek(mark[index])
                if not any(marker in handle.read() for marker in REDIS_LOST_MARKERS):
                    return False
            if descendants(process.pid):
                return False
        return True

    def logs(self):
        return "\n".join((self.tmp_path / f"worker{i}.log").read_text()[-3000:] for i in range(len(self.processes)))


def descendants(pid):
    """Child process ids of ``pid``, recursively (read from /proc)."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children = [int(child) for child in handle.read().split()]
        except FileNotFoundError:
            continue
        for child in children:
            found += [child, *descendants(child)]
    return found


def _wait_gone(pid, timeout=PATIENCE):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().split(") ")[-1].startswith("Z"):
                    return  # a zombie: dead, waiting for its (killed) parent to be reaped by init
        except FileNotFoundError:
            return
        time.sleep(0.01)


@pytest.fixture
def workers(app, tmp_path, redis_server, clock_file):
    """Start worker processes against the test's database, Redis and clock; all killed at the end."""
    pool = Workers(app, tmp_path, redis_server.url, clock_file)
    yield pool
    pool.stop_all()


def add_cases(count, start=1000):
    """``count`` more registration cases at distribution (households without a village)."""
    from webapp.models import Area
    from webapp.services.casework import cases

    township = Area.query.filter_by(level="township").order_by(Area.code).first()
    for index in range(count):
        household = Household(household_number=f"T{start + index:08d}", head_name=f"测试户{index}",
                              county_code=township.code[:6], township_code=township.code)
        db.session.add(household)
        db.session.flush()
        cases.start_registration_case(household)
    db.session.commit()


def timer_events():
    """{(case id, kind): count} of reminder and escalation events."""
    db.session.expire_all()
    rows = (db.session.query(CaseEvent.case_id, CaseEvent.kind, func.count(CaseEvent.id))
            .filter(CaseEvent.kind.in_(("reminder", "escalated"))).group_by(CaseEvent.case_id, CaseEvent.kind))
    return {(case_id, kind): n for case_id, kind, n in rows}


def due_instance_count(now=None):
    db.session.expire_all()
    now = now or utcnow()
    return ProcessInstance.query.filter(ProcessInstance.status == "running",
                                        ProcessInstance.next_timer_at <= now).count()


def wait_until(condition, timeout=PATIENCE, message="condition", interval=0.05, on_timeout=None):
    """Poll ``condition`` until it holds (no sleeping as a way of waiting for time to pass: the clock
    is a file). ``timeout`` is only an upper bound for a broken test, never a performance budget."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        value = condition()
        if value:
            return value
        time.sleep(interval)
    detail = on_timeout() if on_timeout else ""
    raise AssertionError(f"timed out waiting for {message}\n{detail}")


def wait_for_job(job_id, workers, message):
    """Wait until the RQ job ``job_id`` has finished in the real workers (fails at once if it failed)."""
    from rq.job import Job

    from webapp.queues import redis_connection

    def finished():
        status = Job.fetch(job_id, connection=redis_connection()).get_status()
        assert status != "failed", workers.logs()
        return status == "finished" or None

    wait_until(finished, message=message, on_timeout=workers.logs)


def assert_each_timer_fired_once(case_ids, kinds=("reminder", "escalated")):
    """Every case's assign_household reminder and deadline each left exactly one event."""
    events = timer_events()
    counts = Counter()
    for case_id in case_ids:
        for kind in kinds:
            counts[events.get((case_id, kind), 0)] += 1
            assert events.get((case_id, kind), 0) == 1, (case_id, kind, events.get((case_id, kind)))
    return counts


def open_distribution_cases():
    db.session.expire_all()
    return [row.case_id for row in InboxTask.query.filter_by(task_name="assign_household", state="ready")]


def all_case_ids():
    return [case.id for case in Case.query.order_by(Case.id)]
