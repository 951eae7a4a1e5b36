"""Fixtures for tests in a real browser: the app on a live port and a Chromium page (Playwright).

conftest.py loads this module as a plugin; browser test modules set ``pytestmark = BROWSER_MARKS``.
Needs /usr/bin/chromium (``apt-get install chromium``; CJK glyphs need ``fonts-noto-cjk``).
"""
import os
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "artifacts")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing (apt-get install chromium); browser test not run"),
]


@pytest.fixture
def live_server(county):
    """The app served by werkzeug in a background thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, county, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser_page(live_server):
    """A fresh Chromium profile and page; the page's base URL is the live server."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as playwright:
        context, page, failures = open_browser(playwright, profile, live_server, 1280, 900)
        # A Content-Security-Policy violation (an inline script or handler, a foreign file) is
        # reported on the console as an error: any console error fails the test (failed loads are
        # counted by open_browser's response listener, the site's icon among them).
        page.on("console", lambda msg: failures.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        try:
            yield page, failures
        finally:
            context.close()


def log_in(page, username, password="demo1234", fresh=False):
    """Log in through the form and wait for the page it leads to; ``fresh`` first drops the
    session's cookies (to switch users without logging out)."""
    if fresh:
        page.context.clear_cookies()
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    # Wait for the answer to the POST itself: ``wait_for_load_state`` alone can return while the
    # log-in page is still the loaded one, and a ``goto`` right after then cancels the log-in
    # (seen in CI: the next page came back as the log-in form).
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def save_shot(page, name):
    """A full-page screenshot saved as tests/artifacts/<name> (.png added when missing)."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    filename = name if name.endswith(".png") else f"{name}.png"
    page.screenshot(path=os.path.join(ARTIFACTS, filename), full_page=True)


def validate_in_modeler(page):
    """Press the modeler's 校验 and wait until the diagram is reported valid."""
    from playwright.sync_api import expect

    page.click("#btn-validate")
    expect(page.locator("#editor-status")).to_contain_text("校验通过")


def deploy_from_modeler(page, comment, shot):
    """Deploy the validated diagram with ``comment``, wait for the new version, save screenshot ``shot``."""
    from playwright.sync_api import expect

    page.fill("#deploy-comment", comment)
    page.click("#btn-deploy")
    expect(page.locator("#editor-status")).to_contain_text("已部署新版本")
    save_shot(page, shot)


def explain_household_away(page, household_id):
    """On a village's completeness page, explain household ``household_id`` away (moved out) through
    its row's form; wait until it leaves the gaps and is the one exclusion listed."""
    from playwright.sync_api import expect

    row = page.locator(f"#gaps-household tr[data-household='{household_id}']")
    row.locator("select[name=reason]").select_option("moved_out")
    row.locator("input[name=note]").fill("2025 年全户迁往外省")
    row.locator("button[type=submit]").click()
    expect(row).to_have_count(0)
    expect(page.locator("#exclusions tr[data-exclusion]")).to_have_count(1)


# The page is no wider than the layout viewport (the screen's CSS width). Not window.innerWidth: a
# phone (is_mobile) zooms out to show a page wider than the screen, and innerWidth grows with it.
OVERFLOW = "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth"


def open_browser(playwright, profile, base_url, width, height=844, locale="zh-CN"):
    """A Chromium page of the given viewport; collects failed responses and script errors."""
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, base_url=base_url,
        locale=locale, viewport={"width": width, "height": height}, is_mobile=width < 600,
        has_touch=width < 600)
    context.set_default_timeout(20_000)
    page = context.pages[0] if context.pages else context.new_page()
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda err: failures.append(f"page error: {err}"))
    return context, page, failures


def assert_fits(page, name):
    """No horizontal scrolling; a full-page screenshot saved as tests/artifacts/<name>.png."""
    save_shot(page, name)
    widths = page.evaluate("[document.scrollingElement.scrollWidth, document.documentElement.clientWidth]")
    assert page.evaluate(OVERFLOW), f"{name}: page is {widths[0]} px wide in a {widths[1]} px viewport"


def small_targets(page, selector):
    """Visible controls matching ``selector`` lower than 44 px (their text)."""
    return page.evaluate("""sel => Array.from(document.querySelectorAll(sel))
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 43.5)
        .map(e => (e.innerText || e.name || e.id || e.tagName).trim())""", selector)
