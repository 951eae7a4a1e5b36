"""The completeness pages in Chromium: a township's villages with their gaps, a village's gaps, and
explaining a household away through the page's form. Screenshots go to tests/artifacts/."""
import os

from webapp.extensions import db
from webapp.models import Area, Household
from webapp.services.campaign import completion

from .browser_fixtures import ARTIFACTS, BROWSER_MARKS
from .helpers import user
from .test_browser_dashboard import login_dashboard
from .test_completeness import new_person, place_every_case, visit_household

pytestmark = BROWSER_MARKS


def test_township_completeness_page_in_the_browser(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    village = user("village1").area
    placed = place_every_case(village)
    for case in placed[:-1]:
        visit_household(case)
    lone = Household(household_number="341721100900002", head_name="迁出户", county_code="341721",
                     township_code=village.township_code, village_code=village.code)
    db.session.add(lone)
    db.session.commit()
    new_person(lone, 401)
    township = Area.query.filter_by(code=village.township_code).one()
    completion.recheck_township(township)  # what the hourly job (or the page's button) does
    db.session.commit()
    os.makedirs(ARTIFACTS, exist_ok=True)
    login_dashboard(page, "township")
    page.goto(f"/dashboard/completeness/{village.township_code}")
    row = page.locator(f"#completeness-table tr[data-area='{village.code}']")
    expect(row).to_have_attribute("data-status", "gaps")
    page.screenshot(path=os.path.join(ARTIFACTS, "completeness_township.png"), full_page=True)
    row.locator("a").click()
    expect(page.locator(f"#gaps-household tr[data-household='{lone.id}']")).to_be_visible()
    form = page.locator(f"#gaps-household tr[data-household='{lone.id}'] form")
    form.locator("select[name=reason]").select_option("moved_out")
    form.locator("input[name=note]").fill("2025 年全户迁往外省")
    form.locator("button[type=submit]").click()
    expect(page.locator(f"#gaps-household tr[data-household='{lone.id}']")).to_have_count(0)
    expect(page.locator("#exclusions tr[data-exclusion]")).to_have_count(1)
    page.screenshot(path=os.path.join(ARTIFACTS, "completeness_village.png"), full_page=True)
    assert failures == []
