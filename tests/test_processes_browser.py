"""Process pages in a real browser under a strict Content-Security-Policy: the diagram is drawn
by the vendored bpmn-js, diff markers, heatmap badges and the case's path appear, and the page
breaks no CSP rule. Screenshots go to tests/artifacts/."""
import os

import pytest

from webapp.extensions import db
from webapp.models import DiagramVersion

from .helpers import case_at_visit
from .browser_fixtures import CHROMIUM, log_in, save_shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing; browser test not run"),
]

STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
              "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
# Playwright's init scripts run outside the page's CSP: they only record what the page violates.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture
def county(county):  # noqa: F811 - the conftest fixture, with a strict CSP on every response
    @county.after_request
    def strict_csp(response):
        response.headers["Content-Security-Policy"] = STRICT_CSP
        return response

    return county


def _second_version():
    """Version 2 of registration_case: a longer county deadline and a renamed end event."""
    from webapp import engine

    current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    files = dict(current.files)
    files["county_audit.bpmn"] = (files["county_audit.bpmn"].replace('"P7D"', '"P9D"')
                                  .replace('name="完成"', 'name="审核完成"'))
    engine.deploy_bundle("registration_case", files, None, "browser test")
    db.session.commit()


def _drawn(page, expected):
    from playwright.sync_api import expect

    expect(page.locator('.bpmn-canvas[data-drawn="1"]')).to_have_count(expected)
    assert page.locator(".bpmn-canvas svg .djs-element").count() > 0


def test_process_diff_heatmap_and_case_pages_draw_under_a_strict_csp(browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page, failures = browser_page
    page.context.add_init_script(RECORD_VIOLATIONS)
    _second_version()
    case = case_at_visit()
    case_id = case.id
    files = len(DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one().files)
    db.session.commit()
    try:
        log_in(page, "admin")
        page.goto("/processes/registration_case")
        _drawn(page, files)
        expect(page.locator("#versions tr[data-version]")).to_have_count(2)
        assert page.evaluate("window.__cspViolations") == []
        save_shot(page, "process.png")

        page.goto("/processes/registration_case/diff?old=1&new=2")
        _drawn(page, 2 * files)
        expect(page.locator(".djs-element.diff-changed").first).to_be_attached()
        assert page.locator(".djs-element.diff-changed").count() == 4  # two elements, on both diagrams
        expect(page.locator("#diff-list tr[data-kind=changed]")).to_have_count(2)
        assert page.evaluate("window.__cspViolations") == []
        save_shot(page, "diff.png")

        page.goto("/processes/registration_case/heatmap?version=1")
        _drawn(page, files)
        expect(page.locator(".heat-badge").first).to_be_visible()
        assert page.locator(".heat-badge").count() == page.locator("#heatmap-table tr[data-task]:not(.empty)").count()
        assert page.evaluate("window.__cspViolations") == []
        save_shot(page, "heatmap.png")

        page.goto(f"/cases/{case_id}")
        expect(page.locator("#case-diagrams")).to_be_visible()
        expect(page.locator(".djs-element.path-current").first).to_be_attached()
        assert page.locator('.djs-element.path-current[data-element-id="visit_household"]').count() == 1
        assert page.locator(".djs-element.path-done").count() >= 2
        assert page.evaluate("window.__cspViolations") == []
        save_shot(page, "case_diagram.png")
    except Exception:
        save_shot(page, "failure_processes.png")
        raise
    assert failures == []
