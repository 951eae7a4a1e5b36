"""The print panel and the archive list in Chromium: a township officer produces a case's archive
from the case page and finds it on the list with its number and hash; the assistant's case page
with the panel fits a 390 px phone. Screenshots: tests/artifacts/archive-*.png."""
import tempfile

from webapp.models import CaseArchive

from .browser_fixtures import BROWSER_MARKS, log_in, save_shot, open_browser, assert_fits
from .test_documents_forms import audited_case

pytestmark = BROWSER_MARKS


def test_township_produces_the_archive_from_the_case_page(live_server, client):
    from playwright.sync_api import expect, sync_playwright

    case = audited_case(client)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 1280, 900)
        try:
            log_in(page, "township")
            page.goto(f"/cases/{case.id}")
            panel = page.locator("#print-panel")
            expect(panel).to_contain_text("打印已审核登记表")
            panel.get_by_role("button", name="生成档案").click()
            page.wait_for_load_state()
            archive = CaseArchive.query.filter_by(case_id=case.id).one()
            expect(page.locator(".flash")).to_contain_text(archive.number)
            expect(page.locator("#archives")).to_contain_text(archive.content_hash)
            save_shot(page, "archive-list")
            page.goto(f"/cases/{case.id}")
            expect(page.locator("#archive-number")).to_have_text(archive.number)
            expect(panel.get_by_role("button", name="重新生成档案")).to_be_visible()
            save_shot(page, "archive-case-panel")
            assert failures == []
        finally:
            context.close()
        context, page, failures = open_browser(pw, profile + "-phone", live_server, 390)
        try:
            log_in(page, "village1")
            page.goto(f"/cases/{case.id}")
            expect(page.locator("#print-panel")).to_contain_text("打印空白登记表")
            expect(page.locator("#print-panel")).not_to_contain_text("生成档案")
            assert_fits(page, "archive-case-panel-phone")
            assert failures == []
        finally:
            context.close()
