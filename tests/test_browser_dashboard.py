"""The dashboard in Chromium: charts drawn under the strict CSP, drill-down to a village's households,
a bulletin's PDF page rendered to an image. Screenshots go to tests/artifacts/."""
import os
import shutil
import subprocess

import pytest

from webapp.extensions import db
from webapp.services.campaign import bulletins, leading_group, progress

from .dashboard_support import do_random_work
from .helpers import user
from .browser_fixtures import ARTIFACTS, BROWSER_MARKS, log_in, save_shot

pytestmark = BROWSER_MARKS


def test_dashboard_and_township_drill_down_in_the_browser(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    do_random_work(25, seed=4)
    township_code = user("township").area.code
    village_code = user("village1").area.code
    db.session.commit()
    log_in(page, "county")
    page.goto("/dashboard/")
    page.wait_for_selector("body[data-charts-ready='1']")
    expect(page.locator("#chart-daily canvas")).to_have_count(1)
    save_shot(page, "dashboard")
    page.locator(f"#breakdown-table tr[data-area='{township_code}'] a").click()
    page.wait_for_selector("body[data-charts-ready='1']")
    expect(page.locator("#dashboard-trail strong")).to_have_text(user("township").area.name)
    save_shot(page, "dashboard_township")
    page.locator(f"#breakdown-table tr[data-area='{village_code}'] a").click()
    page.locator("#household-list-link").click()
    expect(page.locator("#household-table tbody tr[data-case]").first).to_be_visible()
    save_shot(page, "dashboard_households")
    assert failures == []


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is missing")
def test_bulletin_pdf_page_as_an_image(county, client, tmp_path):
    leading_group.load_annex("341721")
    do_random_work(30, seed=8)
    bulletin = bulletins.produce("341721", progress.local_day())
    db.session.commit()
    client.login("county")
    pdf = tmp_path / "bulletin.pdf"
    pdf.write_bytes(client.get(f"/dashboard/bulletins/{bulletin.id}.pdf").data)
    os.makedirs(ARTIFACTS, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    os.path.join(ARTIFACTS, "bulletin_pdf")], check=True, timeout=60)
    assert os.path.getsize(os.path.join(ARTIFACTS, "bulletin_pdf.png")) > 10_000
