"""The village assistant's pages on a phone (360 and 390 px wide): no sideways scrolling, cards
instead of tables, touch targets of at least 44 px. Screenshots go to tests/artifacts/phone-*.png.
Desktop keeps its tables (checked at 1280 px)."""
import os
import tempfile

import pytest

from webapp.extensions import db

from .helpers import case_at_visit, open_task
from .browser_fixtures import CHROMIUM, assert_fits, log_in, open_browser, small_targets

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing (apt-get install chromium); browser test not run"),
]

@pytest.mark.parametrize("width", [360, 390])
def test_assistant_pages_fit_a_phone(live_server, width):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    case = case_at_visit()
    task_id = open_task(case, "visit_household").id
    person_id = case.household.persons[0].id
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, width)
        try:
            log_in(page, "village1")
            page.goto("/inbox")
            table = page.locator("#task-table")
            expect(table).to_be_visible()
            # Cards, not a table: the header row is hidden and each cell says what it is.
            expect(table.locator("thead")).to_be_hidden()
            assert page.locator(f'#task-table tr[data-task="{task_id}"] td[data-label]').count() >= 3
            assert_fits(page, f"phone-{width}-inbox")
            header = page.locator("header.topbar").bounding_box()
            assert header["height"] < 844 / 4, f"header takes {header['height']} px"

            page.goto(f"/inbox/tasks/{task_id}")
            expect(page.locator("#visit-form")).to_be_visible()
            fill = page.get_by_role("link", name="填写登记表", exact=True).first
            box = fill.bounding_box()
            assert box["height"] >= 44 and box["height"] < 80, f"button is {box['height']} px high"
            assert small_targets(page, "main button, main a.button, main input[type=text], main select") == []
            assert_fits(page, f"phone-{width}-visit")

            page.goto(f"/inbox/tasks/{task_id}/forms/{person_id}")
            expect(page.locator("#registration-form")).to_be_visible()
            assert page.locator("#registration-form fieldset legend").count() >= 4
            assert small_targets(page, "main button, main input[type=text], main select") == []
            assert_fits(page, f"phone-{width}-registration-form")

            page.goto(f"/cases/{case.id}")
            assert_fits(page, f"phone-{width}-case")
        finally:
            context.close()
    assert failures == []


def test_desktop_keeps_its_tables(live_server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    case = case_at_visit()
    task_id = open_task(case, "visit_household").id
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 1280, 900)
        try:
            log_in(page, "village1")
            page.goto("/inbox")
            expect(page.locator("#task-table thead")).to_be_visible()
            page.goto(f"/inbox/tasks/{task_id}")
            expect(page.locator("#household-table thead")).to_be_visible()
            assert_fits(page, "desktop-visit")
        finally:
            context.close()
    assert failures == []
