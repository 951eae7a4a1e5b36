"""In Chromium under the strict CSP: an administrator creates a process from the 核查走访 template,
opens it in the modeler, validates and deploys it; a township worker starts it on a household of
their township; the village assistant's and then the township's tasks arrive in their inboxes
and complete. And in the modeler, a service task's parameter error shows while it is typed.
Screenshots go to tests/artifacts/."""
import os

import pytest

from webapp.extensions import db
from webapp.models import Case, Household

from .browser_fixtures import CHROMIUM, deploy_from_modeler, log_in, save_shot, validate_in_modeler
from .helpers import open_task, user
from .test_processes_browser import RECORD_VIOLATIONS, county  # noqa: F401 - strict CSP

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing; browser test not run"),
]


def _work_from_the_team_inbox(page, title, fill):
    """Open the team inbox, open the task named ``title``, claim it, fill its form and submit."""
    from playwright.sync_api import expect

    page.goto("/inbox?view=team")
    page.locator("a", has_text=title).first.click()
    page.locator("form button.primary", has_text="认领此任务").click()
    expect(page.locator("main")).to_contain_text("已认领")
    fill(page)
    expect(page.locator("main")).to_contain_text("已提交")


def test_a_process_from_a_template_is_deployed_started_on_a_household_and_worked(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    page.context.add_init_script(RECORD_VIOLATIONS)
    try:
        log_in(page, "admin")
        page.goto("/processes/")
        page.click("#new-process-link")
        page.select_option("#template", "single_task")
        expect(page.locator("#second-step")).to_be_hidden()  # one step only
        page.select_option("#template", "verify_visit")
        expect(page.locator("#second-step")).to_be_visible()
        page.fill("#process_id", "recheck_drive")
        page.fill("#name_zh", "参保复核走访")
        page.fill("#name_en", "Insurance re-check visit")
        page.select_option("#start_role", "township")
        page.select_option("#subject", "household")
        page.select_option("#role_1", "village")
        page.select_option("#form_1", "investigate")
        page.select_option("#role_2", "township")
        page.select_option("#form_2", "approve_return")
        save_shot(page, "template_new_process.png")
        page.locator("#new-process-form button[type=submit]").click()
        expect(page.locator('#process-editor[data-ready="1"]')).to_be_attached()
        expect(page.locator("main")).to_contain_text("已按模板生成流程图草稿")
        expect(page.locator('.djs-element[data-element-id="verify_step"]')).to_be_attached()
        expect(page.locator('.djs-element[data-element-id="review_step_gateway"]')).to_be_attached()
        # The start rule is the pool's (its process's) properties in the panel.
        page.evaluate("""() => { const m = window.processEditor.modeler;
            m.get('selection').select(m.get('elementRegistry').get('recheck_drive_participant')); }""")
        expect(page.locator("#p-start-role")).to_have_value("township")
        expect(page.locator("#p-subject")).to_have_value("household")
        page.fill("#p-process-title-en", "Re-check visit drive")
        page.press("#p-process-title-en", "Tab")
        validate_in_modeler(page)
        deploy_from_modeler(page, "本地复核", "template_modeler_deployed.png")
        assert page.evaluate("window.__cspViolations") == []
        from webapp.engine.catalogue import processes_of
        from webapp.models import DiagramVersion

        db.session.expire_all()
        deployed = DiagramVersion.query.filter_by(process_id="recheck_drive", is_current=True).one()
        info = processes_of(deployed)["recheck_drive"]
        assert (info.title_en, info.start_role, info.subject) == ("Re-check visit drive", "township", "household")

        village = user("village1")
        household = Household.query.filter(Household.village_code == village.area.code).order_by(Household.id).first()
        log_in(page, "township", fresh=True)
        person = household.persons[0]
        page.goto(f"/registry/persons/{person.id}")
        page.click("#household-link")
        expect(page.locator("#start-process")).to_contain_text("发起流程")
        page.select_option("#start-process select", "recheck_drive")
        save_shot(page, "template_household_start.png")
        page.locator("#start-process button[type=submit]").click()
        expect(page.locator("main")).to_contain_text("已发起流程：参保复核走访")
        db.session.expire_all()
        case = Case.query.filter_by(kind="process", household_id=household.id).one()
        row = open_task(case, "verify_step")
        assert row.lane == "village" and row.village_code == village.area.code

        log_in(page, "village1", fresh=True)
        _work_from_the_team_inbox(page, "核查走访", lambda p: (
            p.fill('textarea[name="investigation_note"]', "已入户核实，家庭成员信息无误"),
            save_shot(p, "template_village_task.png"),
            p.locator("#problem-form button[type=submit]").click()))
        db.session.expire_all()
        assert open_task(case, "review_step").township_code == household.township_code

        log_in(page, "township", fresh=True)
        _work_from_the_team_inbox(page, "核查审核", lambda p: (
            p.check('input[name="decision"][value="approve"]'),
            p.fill('textarea[name="comment"]', "同意"),
            p.locator("#review-form button[type=submit]").click()))
        db.session.expire_all()
        assert db.session.get(Case, case.id).status == "completed"
        page.goto(f"/cases/{case.id}")
        expect(page.locator("main")).to_contain_text("已入户核实，家庭成员信息无误")
        save_shot(page, "template_case_done.png")
        assert page.evaluate("window.__cspViolations") == []
    except Exception:
        save_shot(page, "failure_template.png")
        raise
    assert failures == []


def test_a_service_task_parameter_error_shows_while_typing(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    page.context.add_init_script(RECORD_VIOLATIONS)
    try:
        log_in(page, "admin")
        page.goto("/processes/registration_case/edit")
        expect(page.locator('#process-editor[data-ready="1"]')).to_be_attached()
        page.evaluate("""() => { const m = window.processEditor.modeler;
            m.get('selection').select(m.get('elementRegistry').get('apply_to_registry')); }""")
        expect(page.locator("#panel-id")).to_have_text("apply_to_registry")
        check = page.locator("#p-param-check")
        expect(check).to_contain_text("服务操作和参数检查通过")
        page.locator("#p-params").press_sequentially("reason = ")
        expect(check).to_contain_text("此服务操作没有参数 reason")
        page.select_option("#p-operator", "notify_reminder")
        page.fill("#p-params", "")
        page.locator("#p-params").press_sequentially("task = visit household")
        expect(check).to_contain_text("参数 task 的表达式被拒绝")
        save_shot(page, "modeler_service_parameter_error.png")
        page.fill("#p-params", "")
        page.locator("#p-params").press_sequentially("task = 'visit_household'")
        expect(check).to_contain_text("服务操作和参数检查通过")
        assert page.evaluate("window.__cspViolations") == []
    except Exception:
        save_shot(page, "failure_service_parameters.png")
        raise
    assert failures == []
