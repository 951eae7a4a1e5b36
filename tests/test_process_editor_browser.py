"""The modeler in Chromium under the strict CSP: add a countersignature step between the visit and
the first review, set its role, form kind and deadline in the panel, save a draft, see the
validation marker for the missing form kind, fix it, deploy, and walk a new case through the new
step from the inboxes — no code change. Screenshots go to tests/artifacts/."""
import os

import pytest

from webapp.extensions import db
from webapp.models import DiagramVersion

from .helpers import open_task, user
from .browser_fixtures import CHROMIUM, deploy_from_modeler, log_in, save_shot, validate_in_modeler
from .test_process_editor import new_case_at_visit
from .test_processes_browser import RECORD_VIOLATIONS, county  # noqa: F401 - strict CSP

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing; browser test not run"),
]

_SELECTED_ID = "() => (window.processEditor.modeler.get('selection').get()[0] || {}).id || ''"


def _box(page, element_id):
    return page.locator(f'.djs-element[data-element-id="{element_id}"]').first.bounding_box()


def _add_step_with_the_mouse(page):
    """Palette → task dropped in the county lane, made a user task in the panel, the old flow deleted, and
    the visit → new task → first review connected with the context pad: all with the mouse."""
    from playwright.sync_api import expect

    visit, review = _box(page, "call_door_to_door_visit"), _box(page, "call_township_first_review")
    audit = _box(page, "call_county_audit")
    # Delete the visit → first review flow: click its first segment, then the context pad's bin.
    page.mouse.click(visit["x"] + visit["width"] + 8, visit["y"] + visit["height"] / 2)
    assert page.evaluate(_SELECTED_ID) == "visit_done_flow"
    page.locator('.djs-context-pad .entry[data-action="delete"]').click()
    # A task from the palette, dropped in the county lane left of the county audit.
    page.locator('.djs-palette .entry[data-action="create.task"]').click()
    drop_x, drop_y = audit["x"] - audit["width"] * 2.2, audit["y"] + audit["height"] / 2
    page.mouse.move(drop_x - 5, drop_y - 5)
    page.mouse.move(drop_x, drop_y)
    page.mouse.click(drop_x, drop_y)
    task_id = page.evaluate(_SELECTED_ID)
    assert task_id and task_id.startswith("Activity_")
    page.select_option("#p-task-type", "bpmn:UserTask")  # the panel's task type (the library's replace)
    task_id = page.evaluate(_SELECTED_ID)
    expect(page.locator("#panel-type")).to_have_text("UserTask")
    for source, target in (("call_door_to_door_visit", task_id), (task_id, "call_township_first_review")):
        _click_inside(page, source)
        assert page.evaluate(_SELECTED_ID) == source
        page.locator('.djs-context-pad .entry[data-action="connect"]').click()
        box = _box(page, target)
        page.mouse.move(box["x"] + box["width"] / 2 - 3, box["y"] + box["height"] / 2 - 3)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _click_inside(page, task_id)
    return task_id


def _click_inside(page, element_id):
    """Select a shape with the mouse, clicking its upper right part (a selected flow's context pad
    sits where the flow ends, on the left or in the middle of an edge). The first click after a panel change may only take the focus
    back to the canvas: click again until the modeler reports the selection (a condition, no sleep)."""
    box = _box(page, element_id)
    x, y = box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.25
    for _attempt in range(3):
        page.mouse.move(x - 4, y)
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.up()
        if page.evaluate(_SELECTED_ID) == element_id:
            return
    raise AssertionError(f"{element_id} could not be selected with the mouse")


_FLOWS_OF = """id => { const el = window.processEditor.modeler.get('elementRegistry').get(id);
  return [el.incoming.map(c => c.source.id), el.outgoing.map(c => c.target.id), el.type]; }"""


def test_an_administrator_adds_a_countersignature_and_a_case_walks_through_it(browser_page):
    from playwright.sync_api import expect

    page, failures = browser_page
    page.context.add_init_script(RECORD_VIOLATIONS)
    try:
        log_in(page, "admin")
        page.goto("/processes/registration_case/edit")
        expect(page.locator('#process-editor[data-ready="1"]')).to_be_attached()
        task_id = _add_step_with_the_mouse(page)
        expect(page.locator("#panel-id")).to_have_text(task_id)
        assert page.evaluate(_FLOWS_OF, task_id) == [["call_door_to_door_visit"], ["call_township_first_review"],
                                                     "bpmn:UserTask"]
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
        save_shot(page, "modeler_problem.png")

        page.locator("#problems li.on-diagram").first.click()  # a problem in the list selects its element
        expect(page.locator("#panel-id")).to_have_text(task_id)
        page.select_option("#p-form", "approve_return")
        validate_in_modeler(page)
        expect(page.locator(".djs-element.edit-problem")).to_have_count(0)
        deploy_from_modeler(page, "村主任签字", "modeler_deployed.png")
        assert page.evaluate("window.__cspViolations") == []

        db.session.expire_all()
        current = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
        assert task_id in current.files["registration_case.bpmn"]
        case = new_case_at_visit()
        from webapp.services.casework import cases

        cases.complete(open_task(case, "visit_household"), user("village1"), {"visit_result": "completed"})
        db.session.commit()
        assert open_task(case, task_id).due_at is not None

        log_in(page, "village1", fresh=True)
        page.goto("/inbox")
        page.locator("a", has_text="村主任签字").first.click()
        page.check('input[name="decision"][value="approve"]')
        page.fill('textarea[name="comment"]', "村主任已签字")
        save_shot(page, "countersign_task.png")
        page.locator("#review-form button[type=submit]").click()
        expect(page.locator(".flash, .messages, main").first).to_contain_text("已提交")
        db.session.expire_all()
        assert open_task(case, task_id) is None and open_task(case, "first_review") is not None
    except Exception:
        save_shot(page, "failure_modeler.png")
        raise
    assert failures == []
