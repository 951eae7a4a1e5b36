"""An employer's history in a real browser: two comparison runs (uninsured, then insured after an
inspection's notice), the inspection closed as rectified, the tax flag set from the page.
Screenshot: tests/artifacts/employer_history.png."""
from datetime import date

from webapp.extensions import db
from webapp.models import EmployerInspection, EmployerProfile
from webapp.services.casework import inspections
from webapp.models import ComparisonEmployer

from .browser_fixtures import BROWSER_MARKS as pytestmark, log_in, save_shot  # noqa: F401 (pytest reads it)
from .helpers import user
from .test_employer_inspection import second_run
from .test_intake_employers import C, import_all, run_employers


def test_an_employers_history_across_two_runs(browser_page, tmp_path):
    from playwright.sync_api import expect

    page, failures = browser_page
    import_all(tmp_path)
    first = run_employers()
    county = user("county")
    row = ComparisonEmployer.query.filter_by(run_id=first.id, credit_code=C).one()
    inspection = inspections.open_for(row, "uninsured", county)
    inspections.record_notice(inspection, "东人社检〔2026〕7号", date(2026, 11, 2), date(2026, 12, 2),
                              "为职工办理参保", county)
    db.session.commit()
    second = second_run(tmp_path)
    inspections.close(db.session.get(EmployerInspection, inspection.id), "rectified", "已参保", county)
    db.session.commit()

    log_in(page, "county")
    page.goto(f"/intake/runs/{first.id}/employers")
    page.locator("a", has_text="东至县丙有限公司").click()
    expect(page.locator("#employer-runs")).to_contain_text(f"#{second.id}")
    expect(page.locator("#employer-runs")).to_contain_text("已转为参保")
    expect(page.locator("#employer-inspections")).to_contain_text("已整改参保")
    page.check("#tax_flag")
    page.fill("#tax_flag_date", "2026-10-15")
    page.fill("#tax_flag_note", "税务部门函告：未办理税费联合登记")
    page.locator("#tax-form button[type=submit]").click()
    expect(page.locator("#tax-flag")).to_be_visible()
    save_shot(page, "employer_history")
    db.session.expire_all()
    assert EmployerProfile.query.filter_by(employer_key=C).one().tax_flag_date == date(2026, 10, 15)
    assert not failures, failures
