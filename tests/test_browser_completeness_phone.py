"""The completeness pages on a 360 px phone: village assistants and township staff reach them from
the menu, the page does not scroll sideways, the gap tables become cards and a household can be
explained away there. Screenshots go to tests/artifacts/phone-360-completeness-*.png."""
import tempfile

from .browser_fixtures import BROWSER_MARKS, assert_fits, explain_household_away, log_in, open_browser, small_targets
from .helpers import user
from .test_completeness import gaps_of_every_kind

pytestmark = BROWSER_MARKS


def test_the_completeness_pages_fit_a_360_px_phone(live_server):
    from playwright.sync_api import expect, sync_playwright

    village = user("village1").area
    lone = gaps_of_every_kind(village)
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
            explain_household_away(page, lone.id)
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
