"""The completeness pages in Chromium: a township's villages with their gaps, a village's gaps, and
explaining a household away through the page's form. Screenshots go to tests/artifacts/."""
from webapp.extensions import db
from webapp.models import Area
from webapp.services.campaign import completion

from .browser_fixtures import BROWSER_MARKS, explain_household_away, log_in, save_shot
from .helpers import user
from .test_completeness import gaps_of_every_kind

pytestmark = BROWSER_MARKS


def test_township_completeness_page_in_the_browser(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    village = user("village1").area
    lone = gaps_of_every_kind(village)
    township = Area.query.filter_by(code=village.township_code).one()
    completion.recheck_township(township)  # what the hourly job (or the page's button) does
    db.session.commit()
    log_in(page, "township")
    page.goto(f"/dashboard/completeness/{village.township_code}")
    row = page.locator(f"#completeness-table tr[data-area='{village.code}']")
    expect(row).to_have_attribute("data-status", "gaps")
    save_shot(page, "completeness_township")
    row.locator("a").click()
    expect(page.locator(f"#gaps-household tr[data-household='{lone.id}']")).to_be_visible()
    explain_household_away(page, lone.id)
    save_shot(page, "completeness_village")
    assert failures == []
