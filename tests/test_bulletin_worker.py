"""The weekly bulletin is produced by the periodic job of real worker processes (``python -m workers``),
and so is the bulletin of the page's button (a double click produces one)."""
from datetime import timedelta

import redis

from webapp.extensions import db
from webapp.models import Bulletin, Notification
from webapp.services.campaign import progress

from webapp.jobs.schedule import PERIODIC_JOBS, last_key

from .helpers import user
from .worker_fixtures import wait_for_job, wait_until


def _scheduled():
    db.session.expire_all()
    return Bulletin.query.filter_by(trigger="scheduled").all()


def _finished_run_after(connection, previous):
    """The id of a finished run of the bulletin job later than ``previous``, or None."""
    from rq.job import Job

    job = next(j for j in PERIODIC_JOBS if j.id == "weekly-bulletin")
    latest = connection.get(last_key(job))
    if latest is None or latest == previous:
        return None
    return latest if Job.fetch(latest.decode(), connection=connection).get_status() == "finished" else None


def test_the_periodic_job_produces_the_bulletin_once_per_date(county, clock_file, workers,
                                                              redis_server):
    workers.start()
    workers.start()  # two workers tick the same schedule: one run per slot, one bulletin per date
    wait_until(lambda: len(_scheduled()) == 1, message="the weekly bulletin", on_timeout=workers.logs)
    bulletin = _scheduled()[0]
    assert bulletin.number == 1 and bulletin.figures["townships"]
    assert Notification.query.filter_by(kind="bulletin").count() > 0
    # More periodic runs (every second in tests) find the date done and add nothing.
    first_runs = Notification.query.filter_by(kind="bulletin").count()
    connection = redis.Redis.from_url(redis_server.url)
    seen = connection.get(last_key(next(j for j in PERIODIC_JOBS if j.id == "weekly-bulletin")))
    wait_until(lambda: _finished_run_after(connection, seen), message="a later run of the job",
               on_timeout=workers.logs)
    assert len(_scheduled()) == 1 and Notification.query.filter_by(kind="bulletin").count() == first_runs


def test_the_button_has_a_real_worker_produce_one_bulletin_for_a_double_click(county, client, workers, redis_server):
    client.login("county")
    as_of = (progress.local_day() - timedelta(days=1)).isoformat()
    for _click in (1, 2):  # both before the worker runs: the second finds the job waiting
        response = client.post("/dashboard/bulletins/produce", {"as_of": as_of}, token_from="/dashboard/bulletins")
        assert response.status_code == 302
    workers.start("default", "--no-scheduler")
    wait_for_job(f"bulletin-341721-{as_of}", workers, "the bulletin job")
    db.session.expire_all()
    bulletin = Bulletin.query.one()
    assert (bulletin.trigger, bulletin.as_of.isoformat(), bulletin.created_by_id) == ("on_demand", as_of, user("county").id)
    assert bulletin.pdf_key and bulletin.xlsx_key  # stored by the job, served as they are
    assert f'data-bulletin="{bulletin.id}"' in client.get("/dashboard/bulletins").get_data(as_text=True)
