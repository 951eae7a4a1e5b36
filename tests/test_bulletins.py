"""Bulletins: numbered, computed as of their date from the daily aggregates, reproducible, announced."""
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from openpyxl import load_workbook

from webapp import clock
from webapp.extensions import db
from webapp.jobs import casework as casework_jobs
from webapp.models import Bulletin, Notification
from webapp.queues import queue
from webapp.services.campaign import bulletins, leading_group, progress

from .dashboard_support import do_random_work
from .helpers import user

COUNTY = "341721"


def _at(days_on):
    # The demo's cases were started today: work is done on later days.
    clock.set_now(datetime.now(timezone.utc) + timedelta(days=days_on))


def test_a_past_bulletin_reproduced_after_more_work_has_the_same_figures(county):
    try:
        _at(3)
        do_random_work(14, seed=5)
        past = progress.local_day()
        first = bulletins.produce(COUNTY, past)
        db.session.commit()
        _at(10)
        do_random_work(20, seed=6)  # more work, on later days
        again = bulletins.produce(COUNTY, past)
        later = bulletins.produce(COUNTY, progress.local_day())
        db.session.commit()
    finally:
        clock.set_now(None)
    assert (first.number, again.number, later.number) == (1, 2, 3)
    assert again.figures == first.figures and again.commentary == first.commentary
    assert later.figures != first.figures
    township = next(r for r in later.figures["townships"] if r["target"])
    assert township["registered"] >= next(r for r in first.figures["townships"]
                                          if r["code"] == township["code"])["registered"]


def test_ranking_leaders_commentary_and_downloads(county, client):
    leading_group.load_annex(COUNTY)
    do_random_work(30, seed=9)
    bulletin = bulletins.produce(COUNTY, progress.local_day(), actor=user("county"))
    db.session.commit()
    rows = bulletin.figures["townships"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    rates = [r["completion_rate"] or 0 for r in rows]
    assert rates == sorted(rates, reverse=True)
    assert all(r["leaders"] for r in rows)  # every demo township has its head from the annex
    assert all(r["spot_check_error_rate"] is None for r in rows)  # column present, blank until spot checks
    assert [c["kind"] for c in bulletin.commentary][:1] == ["top"]
    # Announced to township staff and county leadership, not to village assistants.
    notified = {n.user.username for n in Notification.query.filter_by(kind="bulletin")}
    assert {"township", "county", "supervisor"} <= notified and "village1" not in notified
    client.login("township")
    page = client.get(f"/dashboard/bulletins/{bulletin.id}").get_data(as_text=True)
    assert 'id="bulletin-table"' in page and "陈阳生" in page
    sheet = load_workbook(BytesIO(client.get(f"/dashboard/bulletins/{bulletin.id}.xlsx").data)).active
    assert sheet.cell(1, 8).value == "抽查差错率(%)" and sheet.max_row == len(rows) + 1
    pdf = client.get(f"/dashboard/bulletins/{bulletin.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.post("/dashboard/bulletins/produce", {"as_of": "2026-01-01"},
                       token_from="/dashboard/bulletins").status_code == 403


def test_on_demand_button_enqueues_the_bulletin_job_once_and_the_weekly_job(county, client):
    do_random_work(10, seed=3)
    client.login("county")
    yesterday = (progress.local_day() - timedelta(days=1)).isoformat()
    for _click in (1, 2):  # a double click
        response = client.post("/dashboard/bulletins/produce", {"as_of": yesterday},
                               token_from="/dashboard/bulletins")
        assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/bulletins")
    assert Bulletin.query.count() == 0  # the PDF and Excel are rendered by the job, not in the request
    assert "的通报正在生成" in client.get("/dashboard/bulletins").get_data(as_text=True)
    waiting = queue("default").jobs
    assert [(job.id, job.func, job.args) for job in waiting] == [
        (f"bulletin-{COUNTY}-{yesterday}", casework_jobs.produce_bulletins, (COUNTY, yesterday, user("county").id))]
    # The job's work (tests/test_bulletin_worker.py runs it in a real worker).
    bulletins.produce(COUNTY, date.fromisoformat(yesterday), actor=user("county"), trigger="on_demand")
    db.session.commit()
    assert Bulletin.query.count() == 1
    made = bulletins.produce_scheduled()
    again = bulletins.produce_scheduled()
    db.session.commit()
    assert len(made) == 1 and again == [] and made[0].trigger == "scheduled" and made[0].number == 2
    listing = client.get("/dashboard/bulletins").get_data(as_text=True)
    assert listing.count('data-bulletin="') == 2
