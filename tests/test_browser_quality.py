"""Spot checks in Chromium: the county draws a sample from the page (seed shown), the township records
results on its spot-check task, the error rates appear. Screenshots go to tests/artifacts/."""

from webapp.extensions import db
from webapp.models import SpotCheckItem

from .browser_fixtures import BROWSER_MARKS, log_in, save_shot
from .quality_support import audit_cases

pytestmark = BROWSER_MARKS


def test_spot_check_page_draw_and_results_in_the_browser(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    audit_cases()
    log_in(page, "county")
    page.goto("/quality/spot-checks")
    page.fill("#share_percent", "20")
    page.check("#draw-form input[value='township']")
    page.fill("#seed", "demo2026")
    page.locator("#draw-form button[type=submit]").click()
    expect(page.locator("#draw-list td.seed code")).to_have_text("demo2026")
    page.locator("form[action$='/logout'] button").first.click()
    db.session.expire_all()
    items = SpotCheckItem.query.order_by(SpotCheckItem.id).all()
    log_in(page, "township")
    page.goto("/inbox?view=team")
    page.locator("tr[data-task] a").filter(has_text="抽查").first.click()
    page.locator("form[action$='/claim'] button").click()
    for index, item in enumerate(items):
        card = page.locator(f"#spot-item-{item.id}")
        if index == 0:
            card.locator("input[value='wrong_field']").check()
            card.locator("details summary").nth(1).click()
            card.locator("input[value='phone']").check()
            card.locator("textarea[name='note']").fill("电话号码与本人不符")
        else:
            card.locator("input[value='confirmed']").check()
        card.locator("button[type=submit]").click()
        expect(page.locator(f"#spot-item-{item.id}")).not_to_have_attribute("data-result", "pending")
    save_shot(page, "spot_check_task")
    page.locator("#spot-check-form button[type=submit]").click()
    page.locator("form[action$='/logout'] button").first.click()
    log_in(page, "county")
    page.goto("/quality/spot-checks")
    expect(page.locator("#draw-list td.seed code")).to_have_text("demo2026")
    expect(page.locator("#rates-township td.rate").first).not_to_have_text("—")
    save_shot(page, "spot_checks")
    assert failures == []
