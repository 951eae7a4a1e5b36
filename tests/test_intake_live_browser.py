"""In a real browser, an upload imported by a real worker: its page follows it without a reload.

The batch page polls its JSON status from a static script (no inline script: the pages run
under a strict Content-Security-Policy), so the uploader sees "needs mapping" appear, maps
the unknown value on the page, and sees the batch imported.
"""
import os
from datetime import date

from webapp.idnumber import make_id

from .browser_fixtures import CHROMIUM, BROWSER_MARKS as pytestmark, log_in  # noqa: F401 (pytest reads it)

ONE = make_id("341721", date(1960, 5, 1), 11)
TWO = make_id("341721", date(1955, 2, 3), 22)


def test_the_batch_page_follows_a_worker_import_and_the_mapping_in_the_browser(
        browser_page, workers, county, tmp_path):
    from playwright.sync_api import expect

    page, failures = browser_page
    county.config["INTAKE_INLINE"] = False
    upload = tmp_path / "社保.csv"
    upload.write_text("身份证号,姓名,险种,待遇状态\n"
                      f"{ONE},甲一,城乡居民养老保险,按月领取中\n{TWO},乙二,城乡居民养老保险,领取\n", encoding="utf-8")
    log_in(page, "agency")
    page.goto("/intake/")
    page.select_option("#upload-form select[name=source]", value="social_insurance")
    page.set_input_files("#upload-form input[type=file]", str(upload))
    page.locator("#upload-form button[type=submit]").click()

    # The page shows the batch importing; a worker starts; without a reload by the user the
    # page then says the file needs mapping.
    expect(page.locator("#batch-status")).to_have_text("导入中")
    workers.start("intake", "--no-scheduler")
    expect(page.locator("#batch-status")).to_have_text("待映射", timeout=60_000)
    page.get_by_role("link", name="确认对应关系").click()
    row = page.locator('tr[data-value="按月领取中"]')
    expect(row).to_contain_text("1")
    row.locator("select").select_option(value="paid")
    page.get_by_role("button", name="保存并继续导入").click()
    expect(page.locator("#batch-status")).to_contain_text("已导入", timeout=60_000)
    assert failures == [], failures
    assert os.path.exists(CHROMIUM)
