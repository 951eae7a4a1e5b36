"""The modeler in Chromium under the strict CSP: add a countersignature step between the visit and
the first review, set its role, form kind and deadline in the panel, save a draft, see the
validation marker for the missing form kind, fix it, deploy, and walk a new case through the new
step from the inboxes — no code change. Screenshots go to tests/artifacts/."""
import os

import pytest

from webapp.extensions import db
from webapp.models import DiagramVersion

from .helpers import open_task, user
from .test_browser import CHROMIUM, browser_page, live_server  # noqa: F401 - fixtures
from .test_process_editor import new_case_at_visit
from .test_processes_browser import _RECORD_VIOLATIONS, _login, _shot, county  # noqa: F401 - strict CSP

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing; browser test not run"),
]

# Shapes are placed and connected through the modeler's own modeling API (what a drag from the
# palette and the context pad's "connect" run); everything the product adds is done in the panel.
_ADD_STEP = """() => {
  const m = window.processEditor.modeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const visit = reg.get('call_door_to_door_visit'), review = reg.get('call_township_first_review');
  modeling.removeConnection(reg.get('visit_done_flow'));
  const shape = m.get('elementFactory').createShape({ type: 'bpmn:UserTask' });
  const task = modeling.createShape(shape, { x: 660, y: 480 }, reg.get('registration_case_participant'));
  modeling.connect(visit, task);
  modeling.connect(task, review);
  m.get('selection').select(task);
  return task.id;
}"""


def test_an_administrator_adds_a_countersignature_and_a_case_walks_through_it(browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page, failures = browser_page
    page.context.add_init_script(_RECORD_VIOLATIONS)
    try:
        _login(page, "admin")
        page.goto("/processes/registration_case/edit")
        expect(page.locator('#process-editor[data-ready="1"]')).to_be_attached()
        task_id = page.evaluate(_ADD_STEP)
        expect(page.locator("#panel-id")).to_have_text(task_id)
        page.fill("#p-name", "村主任签字")
        page.press("#p-name", "Tab")
        page.select_option("#p-task-role", "village")  # moves the task into the village lane
        page.fill("#p-deadline", "P3D")
        page.press("#p-deadline", "Tab")
        page.fill("#p-reminder", "P1D")
        page.press("#p-reminder", "Tab")
        page.fill("#p-title-en", "Village head countersignature")
        page.press("#p-title-en", "Tab")
        lane = page.evaluate("""id => { const m = window.processEditor.modeler;
            const bo = m.get('elementRegistry').get(id).businessObject;
            return (bo.lanes || []).map(l => l.name); }""", task_id)
        assert lane == ["village"]

        page.click("#btn-draft")
        expect(page.locator("#editor-status")).to_contain_text("草稿已保存")
        page.click("#btn-validate")  # no form kind yet: the deliberate error
        marker = page.locator(f'.djs-element.edit-problem[data-element-id="{task_id}"]')
        expect(marker).to_be_attached()
        expect(page.locator("#problems li.on-diagram").first).to_contain_text("村主任签字")
        expect(page.locator("#problems")).to_contain_text("表单类型")
        assert page.locator("#btn-deploy").is_disabled()
        _shot(page, "modeler_problem.png")

        page.locator("#problems li.on-diagram").first.click()  # a problem in the list selects its element
        expect(page.locator("#panel-id")).to_have_text(task_id)
        page.select_option("#p-form", "approve_return")
        page.click("#btn-validate")
        expect(page.locator("#editor-status")).to_contain_text("校验通过")
        expect(page.locator(".djs-element.edit-problem")).to_have_count(0)
        page.fill("#deploy-comment", "村主任签字")
        page.click("#btn-deploy")
        expect(page.locator("#editor-status")).to_contain_text("已部署新版本")
        _shot(page, "modeler_deployed.png")
        assert page.evaluate("window.__cspViolations") == []

        db.session.expire_all()
        current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
        assert task_id in current.files["registration_case.bpmn"]
        case = new_case_at_visit()
        from webapp.services import cases

        cases.complete(open_task(case, "visit_household"), user("village1"), {"visit_result": "completed"})
        db.session.commit()
        assert open_task(case, task_id).due_at is not None

        page.context.clear_cookies()
        _login(page, "village1")
        page.goto("/inbox")
        page.locator("a", has_text="村主任签字").first.click()
        page.check('input[name="decision"][value="approve"]')
        page.fill('textarea[name="comment"]', "村主任已签字")
        _shot(page, "countersign_task.png")
        page.locator("#review-form button[type=submit]").click()
        expect(page.locator(".flash, .messages, main").first).to_contain_text("已提交")
        db.session.expire_all()
        assert open_task(case, task_id) is None and open_task(case, "first_review") is not None
    except Exception:
        _shot(page, "failure_modeler.png")
        raise
    assert failures == []
