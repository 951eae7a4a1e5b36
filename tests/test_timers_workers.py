"""Reliability with real Redis and real worker processes (``python -m workers``).

Time is a file every process reads (APP_CLOCK_FILE), so deadlines pass without sleeping; the
tests only poll the database for the workers to finish.
"""
from rq import Queue, Worker

from webapp.extensions import db
from webapp.jobs import casework as worker_jobs
from webapp.jobs.schedule import PERIODIC_JOBS
from webapp.models import InboxTask, ProcessInstance
from workers.schedule import Scheduler

from .helpers import user
from .worker_fixtures import (add_cases, assert_each_timer_fired_once, due_instance_count, open_distribution_cases,
                              timer_events, wait_until)


def _fired_instances():
    db.session.expire_all()
    return ProcessInstance.query.filter(ProcessInstance.next_timer_at.is_(None)).count()


def _wait_for_workers(redis_server, count, pool):
    wait_until(lambda: len(Worker.all(connection=redis_server.client())) >= count,
               message=f"{count} worker(s) to register", on_timeout=pool.logs)


def test_scheduler_enqueues_each_run_once_across_processes(app, redis_server):
    connection = redis_server.client()
    first, second = Scheduler(connection, name="a"), Scheduler(connection, name="b")
    now = 1_800_000_000.0
    enqueued = first.tick(now) + second.tick(now) + first.tick(now + 1)
    assert sorted(enqueued) == sorted(f"periodic-{job.id}-{int(now // job.every)}" for job in PERIODIC_JOBS)
    # The next slot: the previous run still waits in its queue, so nothing piles up.
    assert second.tick(now + 3600) == []
    assert Queue("timers", connection=connection).count == 1


def test_worker_fires_due_timers_on_schedule(county, clock_file, workers, redis_server):
    case_ids = open_distribution_cases()
    workers.start()
    clock_file.advance(days=6)
    wait_until(lambda: due_instance_count() == 0, message="the periodic sweep", on_timeout=workers.logs)
    assert_each_timer_fired_once(case_ids)
    db.session.expire_all()
    assert all(row.overdue for row in InboxTask.query.filter_by(state="ready"))


def test_killed_worker_leaves_all_or_nothing_and_restart_fires_the_rest(county, clock_file, workers):
    add_cases(60)
    case_ids = open_distribution_cases()
    total = len(case_ids)
    clock_file.advance(days=6)
    first = workers.start()
    fired = wait_until(lambda: _fired_instances() or None, interval=0.005, message="the first firing",
                       on_timeout=workers.logs)
    workers.kill(first)
    fired = _fired_instances()
    assert 0 < fired < total, f"the kill should land mid-sweep ({fired}/{total})"
    # The fast path sent every reminder and escalation before the engine fired any instance
    # (each exactly once); the engine's catch-up, cut off mid-way, added none.
    events = timer_events()
    for case_id in case_ids:
        assert events.get((case_id, "reminder"), 0) == 1
        assert events.get((case_id, "escalated"), 0) == 1

    workers.start()
    wait_until(lambda: due_instance_count() == 0, message="the restarted sweep", on_timeout=workers.logs)
    assert_each_timer_fired_once(case_ids)


def test_redis_outage_the_web_keeps_working_and_nothing_is_lost(county, clock_file, workers, redis_server,
                                                               make_client):
    case_ids = open_distribution_cases()
    workers.start()
    _wait_for_workers(redis_server, 1, workers)
    mark = workers.log_sizes()
    redis_server.stop()
    # A sweep the worker took just before the outage may still be running (on a busy machine, for
    # a long while): move the clock only once the worker has noticed the outage and holds no job.
    wait_until(lambda: workers.idle_without_redis(mark), message="the worker to notice Redis is gone",
               on_timeout=workers.logs)
    clock_file.advance(days=6)

    # The web app serves inboxes and completes tasks without Redis.
    township = make_client()
    township.login("township")
    assert township.get("/inbox?view=team").status_code == 200
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").order_by(InboxTask.id).first()
    assert township.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team").status_code == 302
    village = user("village1")
    response = township.post(f"/inbox/tasks/{row.id}", {"village_code": village.area.code, "visitor_id": village.id},
                             token_from=f"/inbox/tasks/{row.id}")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    admin = make_client()
    admin.login("admin")
    assert "redis-down" in admin.get("/supervision/ops").get_data(as_text=True)
    assert admin.post("/supervision/ops/sweep", token_from="/supervision/ops").status_code == 302
    supervisor = make_client()
    supervisor.login("supervisor")
    assert supervisor.get("/supervision/").status_code == 200
    assert due_instance_count() == len(case_ids) - 1  # nothing fires while the doorbell is gone

    redis_server.start()  # a fresh, empty Redis: everything it held is lost
    wait_until(lambda: due_instance_count() == 0, message="the sweep after Redis returned",
               on_timeout=workers.logs)
    assert_each_timer_fired_once(case_ids)
    assert all(process.poll() is None for process in workers.processes), workers.logs()  # it rode it out
    db.session.expire_all()
    visit = InboxTask.query.filter_by(case_id=row.case_id, task_name="visit_household", state="ready").one()
    assert visit.assignee_id == village.id


def test_two_workers_sweeping_together_fire_each_timer_once(county, clock_file, workers, redis_server):
    add_cases(40)
    case_ids = open_distribution_cases()
    clock_file.advance(days=6)
    workers.start("--no-scheduler")
    workers.start("--no-scheduler")
    _wait_for_workers(redis_server, 2, workers)
    queue = Queue("timers", connection=redis_server.client())
    # Budgets far above what any machine needs: a sweep cut short by a busy CPU is not the point here.
    jobs = [queue.enqueue(worker_jobs.sweep_timers, max_seconds=500, job_id=f"sweep-{n}", job_timeout=600)
            for n in (1, 2)]
    wait_until(lambda: all(job.get_status(refresh=True) in ("finished", "failed") for job in jobs),
               message="both sweeps", on_timeout=workers.logs)
    results = [job.return_value() for job in jobs]
    assert all(job.get_status() == "finished" for job in jobs), workers.logs()
    assert sum(r["fired"] for r in results) == len(case_ids), results
    assert sum(r["escalated"] for r in results) == len(case_ids), results
    # How the work is shared depends on which process the CPU runs first (on a busy machine one
    # sweep may find the other already done, on PostgreSQL too): only "each timer once" is asserted.
    assert_each_timer_fired_once(case_ids)


def test_a_worker_started_while_redis_is_down_waits_for_it(county, clock_file, workers, redis_server):
    """Creating an RQ worker already talks to Redis: an outage at that moment (at start, or when
    the worker is re-created after losing Redis) must not end the process."""
    case_ids = open_distribution_cases()
    redis_server.stop()
    process = workers.start()
    wait_until(lambda: workers.logs().count("Redis unavailable") >= 2 or process.poll() is not None,
               message="the worker to retry", on_timeout=workers.logs)
    assert process.poll() is None, workers.logs()
    redis_server.start()
    _wait_for_workers(redis_server, 1, workers)
    clock_file.advance(days=6)
    wait_until(lambda: due_instance_count() == 0, message="the sweep once Redis is there", on_timeout=workers.logs)
    assert_each_timer_fired_once(case_ids)
