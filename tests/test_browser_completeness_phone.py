"""The completeness pages on a 360 px phone: village assistants and township staff reach them from
the menu, the page does not scroll sideways, the gap tables become cards and a household can be
explained away there. Screenshots go to tests/artifacts/phone-360-completeness-*.png."""
import tempfile

from webapp.extensions import db
from webapp.models import Household

from .browser_fixtures import BROWSER_MARKS
from .helpers import user
from .test_browser_phone import assert_fits, log_in, open_browser, small_targets
from .test_completeness import new_person, place_every_case, visit_household

pytestmark = BROWSER_MARKS


def _gaps_of_every_kind(village):
    placed = place_every_case(village)
    for case in placed[:-1]:
        visit_household(case)
    lone = Household(household_number="341721100900002", head_name="迁出户", county_code="341721",
                     township_code=village.township_code, village_code=village.code)
    db.session.add(lone)
    db.session.commit()
    new_person(lone, 401)
    db.session.commit()
    return lone


def test_the_completeness_pages_fit_a_360_px_phone(live_server):
    from playwright.sync_api import expect, sync_playwright

    village = user("village1").area
    lone = _gaps_of_every_kind(village)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            log_in(page, "village1")
            page.locator("#nav-completeness").click()
            page.wait_for_load_state()
            expect(page.locator("#completeness")).to_be_visible()
            assert page.url.endswith(f"/dashboard/completeness/{village.code}") or \
                page.url.endswith("/dashboard/completeness/")
            row = page.locator(f"#gaps-household tr[data-household='{lone.id}']")
            expect(row).to_be_visible()
            expect(page.locator("#gaps-household thead")).to_be_hidden()  # cards on a phone
            assert_fits(page, "phone-360-completeness-village")
            assert small_targets(page, "#completeness button, main table.cards a, main table.cards button, "
                                       "main table.cards select, main table.cards input") == []
            row.locator("select[name=reason]").select_option("moved_out")
            row.locator("input[name=note]").fill("2025 年全户迁往外省")
            row.locator("button[type=submit]").click()
            expect(page.locator(f"#gaps-household tr[data-household='{lone.id}']")).to_have_count(0)
            expect(page.locator("#exclusions tr[data-exclusion]")).to_have_count(1)
            assert_fits(page, "phone-360-completeness-village-explained")
            page.locator(".who form button.link").click()  # log out
            page.wait_for_load_state()
            log_in(page, "township")
            page.locator("#nav-completeness").click()
            page.wait_for_load_state()
            expect(page.locator(f"#completeness-table tr[data-area='{village.code}']")).to_be_visible()
            assert_fits(page, "phone-360-completeness-township")
            # The wide table scrolls inside its box: wider than the screen, the page is not.
            assert page.evaluate("(() => { const box = document.querySelector('.table-scroll');"
                                 " return box.scrollWidth > box.clientWidth; })()")
        finally:
            context.close()
    assert failures == []
