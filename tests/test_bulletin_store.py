"""Stored bulletins: the PDF and Excel are kept as produced; a download is those very bytes, also after
more work is done; the bulletin is listed and announced to township staff and county leadership."""
from datetime import datetime, timedelta, timezone

from webapp import clock
from webapp.extensions import db
from webapp.infra.storage import photo_store
from webapp.documents.pdf import content_hash
from webapp.models import Bulletin, Notification
from webapp.services.campaign import bulletins, progress

from .dashboard_support import do_random_work
from .helpers import user

COUNTY = "341721"


def test_a_stored_bulletin_downloads_as_it_was_produced(county, client):
    try:
        clock.set_now(datetime.now(timezone.utc) + timedelta(days=2))
        do_random_work(12, seed=21)
        as_of = progress.local_day()
        client.login("county")
        # What the page's button has the bulletin job do (tests/test_bulletin_worker.py).
        bulletins.produce(COUNTY, as_of, actor=user("county"), trigger="on_demand")
        db.session.commit()
        bulletin = Bulletin.query.one()
        stored_pdf, stored_xlsx = photo_store().get(bulletin.pdf_key), photo_store().get(bulletin.xlsx_key)
        assert content_hash(stored_pdf) == bulletin.pdf_sha256 and content_hash(stored_xlsx) == bulletin.xlsx_sha256
        assert f'data-bulletin="{bulletin.id}"' in client.get("/dashboard/bulletins").get_data(as_text=True)
        clock.set_now(datetime.now(timezone.utc) + timedelta(days=6))
        do_random_work(20, seed=22)  # more work after it: the stored documents do not move
        again = bulletins.produce(COUNTY, as_of)
        db.session.commit()
        pdf = client.get(f"/dashboard/bulletins/{bulletin.id}.pdf")
        xlsx = client.get(f"/dashboard/bulletins/{bulletin.id}.xlsx")
    finally:
        clock.set_now(None)
    assert pdf.status_code == 200 and pdf.data == stored_pdf
    assert xlsx.status_code == 200 and xlsx.data == stored_xlsx
    assert again.figures == bulletin.figures  # re-produced for its date: the same figures
    page = client.get(f"/dashboard/bulletins/{bulletin.id}").get_data(as_text=True)
    assert bulletin.pdf_sha256[:16] in page
    notified = {n.user.username for n in Notification.query.filter_by(kind="bulletin")}
    assert {"township", "county", "supervisor"} <= notified
