"""A village assistant's door-to-door visit in a real browser (Playwright driving Debian's Chromium).

The app runs with werkzeug on a free localhost port against the test database of the ``county``
fixture. Needs /usr/bin/chromium (``apt-get install chromium``; CJK glyphs need ``fonts-noto-cjk``).
A screenshot of the inbox is saved to tests/artifacts/inbox.png.
"""
import re
from datetime import date

from webapp.extensions import db
from webapp.idnumber import check_char

from .browser_fixtures import BROWSER_MARKS, log_in, save_shot
from .helpers import case_at_visit, open_task, user

pytestmark = BROWSER_MARKS


def _visit_assigned_to_village1():
    """A case whose door-to-door visit task is in village1's inbox (distribution done by services)."""
    case = case_at_visit()
    visit = open_task(case, "visit_household")
    assert visit is not None and visit.assignee_id == user("village1").id
    ids = visit.id, len(case.household.persons), case.household.persons[0].id_number
    db.session.commit()  # end the read transaction: the server thread writes next
    return ids


def _bad_check_digit(valid_id):
    """A new person's ID number whose check character is wrong."""
    first17 = valid_id[:17][:6] + "19900101" + "777"
    good = check_char(first17)
    wrong = next(c for c in "0123456789X" if c != good)
    return first17 + wrong


def test_village_assistant_completes_a_visit_in_the_browser(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    task_id, household_size, some_id = _visit_assigned_to_village1()
    try:
        # Log in.
        log_in(page, "village1")

        # The visit task is in the inbox.
        row = page.locator(f'#task-table tr[data-task="{task_id}"]')
        expect(row).to_be_visible()
        mine_before = int(page.locator("#count-mine").inner_text())
        assert mine_before >= 1
        expect(page.locator("#task-table")).to_contain_text("入户调查")
        save_shot(page, "inbox")

        # Open it.
        row.locator("td a").first.click()
        expect(page.locator("#visit-form")).to_be_visible()
        fill_links = page.get_by_role("link", name="填写登记表", exact=True)
        expect(fill_links).to_have_count(household_size)

        # A person not on the register, with a wrong check digit: refused with the reason.
        page.get_by_role("link", name="新增户内人员（户不漏人）").click()
        form = page.locator("#registration-form")
        expect(form).to_be_visible()
        page.fill("#name", "测试新增")
        page.fill("#id_number", _bad_check_digit(some_id))
        page.select_option("#medical_scheme", label="城乡居民基本医疗保险")
        page.select_option("#outcome_code", value="unwilling")
        page.select_option("#signature", value="signed")
        form.locator("button[type=submit]").click()
        expect(page.locator("#registration-form .field.has-error .error")).to_contain_text("校验")
        expect(page.locator("#id_number")).to_be_visible()
        page.get_by_role("link", name="返回入户调查").click()
        expect(page.locator("#visit-form")).to_be_visible()
        expect(fill_links).to_have_count(household_size)

        # A registration form for every household member.
        for remaining in range(household_size, 0, -1):
            fill_links.first.click()
            expect(form).to_be_visible()
            expect(page.locator("#name")).not_to_have_value("")
            expect(page.locator("#id_number")).not_to_have_value("")
            page.select_option("#pension_scheme", label="城乡居民基本养老保险")
            page.select_option("#pension_where", value="local")
            page.select_option("#medical_scheme", label="城乡居民基本医疗保险")
            page.select_option("#medical_where", value="local")
            page.select_option("#outcome_code", value="011")
            page.check("#policy_explained")
            page.select_option("#signature", value="signed")
            form.locator("button[type=submit]").click()
            expect(page.locator(".flash.success")).to_contain_text("已保存")
            expect(page.locator("#visit-form")).to_be_visible()
            expect(fill_links).to_have_count(remaining - 1)
        # The confirmation came with the redirect's link; once shown the address drops it (app.js):
        # a reload shows the page without it, as after a flashed message.
        expect(page).not_to_have_url(re.compile("saved_form"))
        expect(page.locator('input[name="next"]').first).to_have_value(f"/inbox/tasks/{task_id}")
        page.reload()
        expect(page.locator("#visit-form")).to_be_visible()
        expect(page.locator(".flash")).to_have_count(0)

        # The visit result: the task leaves the inbox.
        visit_form = page.locator("#visit-form")
        visit_form.locator('input[name="visit_result"][value="completed"]').check()
        page.fill("#visit_date", date.today().isoformat())
        visit_form.locator('input[name="policy_explained"]').check()
        visit_form.locator("button[type=submit]").click()
        expect(page.locator(".flash.success")).to_contain_text("已提交")
        expect(page.locator("#task-table")).to_be_visible()
        expect(page.locator(f'#task-table tr[data-task="{task_id}"]')).to_have_count(0)
        expect(page.locator("#count-mine")).to_have_text(str(mine_before - 1))
    except Exception:
        save_shot(page, "failure")
        raise
    assert failures == []

    db.session.expire_all()
    assert open_task_for(task_id) is None


def open_task_for(task_id):
    """The inbox row ``task_id`` if it is still open."""
    from webapp.models import InboxTask

    row = db.session.get(InboxTask, task_id)
    return row if row is not None and row.state == "ready" else None


def test_pages_keep_working_under_the_content_security_policy(browser_page):
    """The township's select-all box and a running comparison's progress (both driven by
    static/app.js) work, with no CSP violation on any page visited."""
    from playwright.sync_api import expect

    from webapp.models import ComparisonRun

    page, failures = browser_page
    run = ComparisonRun(status="running", stage="comparing", county_code="341721", as_of=date(2026, 6, 30),
                        batch_ids=[], progress_done=3, progress_total=10)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    try:
        log_in(page, "township")
        page.goto("/inbox?view=team")
        picks = page.locator("#task-table input.pick")
        assert picks.count() >= 2
        page.locator("#task-table input.pick-all").check()
        for index in range(picks.count()):
            expect(picks.nth(index)).to_be_checked()
        page.locator("#task-table input.pick-all").uncheck()
        expect(picks.first).not_to_be_checked()

        page.locator("header .who button").click()  # log out
        page.fill("#username", "agency")
        page.fill("#password", "demo1234")
        page.locator("main form button[type=submit]").click()
        with page.expect_response(lambda r: r.url.endswith(f"/intake/runs/{run_id}/progress.json")):
            page.goto(f"/intake/runs/{run_id}")
        expect(page.locator("#stage")).to_have_text("逐人比对")
        # The run finishes: the polling script reloads the page, which then shows the results.
        finished = db.session.get(ComparisonRun, run_id)
        finished.status, finished.stage, finished.counts = "done", "done", {}
        db.session.commit()
        expect(page.locator("#counts")).to_be_visible(timeout=30_000)
        for url in ("/inbox", "/cases/", "/registry/persons", "/intake/", f"/intake/runs/{run_id}/problems"):
            page.goto(url)
            expect(page.locator("main")).to_be_visible()
    except Exception:
        save_shot(page, "csp-failure")
        raise
    assert violations == [] and failures == []
