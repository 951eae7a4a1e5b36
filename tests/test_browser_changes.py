"""The change review in a real browser: two requests on one field, the conflict shown on the county's
review page, the reviewer rejects with a reason. Screenshots of the change list and the review page
go to tests/artifacts/."""

from webapp.extensions import db
from webapp.models import ChangeRequest, InboxTask
from webapp.services.casework import changes, registry

from .helpers import user
from .browser_fixtures import BROWSER_MARKS as pytestmark, log_in, save_shot, open_browser, assert_fits  # noqa: F401 (pytest reads it)


def _two_requests():
    village = user("village1")
    from webapp.models import Person

    person = Person.query.filter_by(village_code=village.area.code).order_by(Person.id).first()
    registry.write_record(person, {"status": "normal", "outcome_code": "unwilling"}, None,
                          reason="入户调查经县级审核通过", source="survey")
    changes.raise_request("correction", village, "village", "村民反映电话已更换", "13900000001", person=person,
                          field="phone", evidence="本人口述")
    second = changes.raise_request("death", user("agency"), "agency", "卫健部门死亡信息", None, person=person,
                                   evidence="死亡医学证明 No.3417")
    changes.raise_request("status", user("township"), "township", "乡镇核实外出务工", "moved_away",
                          person=person, evidence="村委会证明")
    db.session.commit()
    return second


def test_the_county_reviews_a_contested_change_in_the_browser(browser_page):  # noqa: F811
    from playwright.sync_api import expect

    page, failures = browser_page
    request = _two_requests()
    row = InboxTask.query.filter_by(case_id=request.case_id, task_name="review_change", state="ready").one()
    log_in(page, "county")
    page.locator("#nav-changes").click()
    expect(page.locator("#change-table")).to_contain_text("同项目有其他申请")
    save_shot(page, "change_list")

    page.goto(f"/inbox/tasks/{row.id}")
    page.locator("form[action$='/claim'] button").click()
    page.goto(f"/inbox/tasks/{row.id}")
    expect(page.locator("#change-request")).to_contain_text("死亡医学证明 No.3417")
    expect(page.locator("#conflict-warning")).to_be_visible()
    expect(page.locator("#open-case-warning")).to_be_visible()
    save_shot(page, "change_review")

    page.locator("input[name=decision][value=reject]").check()
    page.fill("#comment", "需先核实外出务工情况")
    page.locator("#review-form button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(ChangeRequest, request.id).outcome_note == "需先核实外出务工情况"
    assert not failures, failures


def test_the_village_survey_fits_a_phone(live_server):  # noqa: F811
    """The assistant's survey page at 360 px: households as cards, a household confirmed by tapping."""
    import tempfile

    from playwright.sync_api import expect, sync_playwright

    from webapp import clock
    from webapp.models import VillageSurvey
    from webapp.services.casework import surveys

    surveys.set_schedule(user("village1").area, 90, clock.now().date(), user("township"))
    surveys.open_due_surveys(clock.now().date())
    db.session.commit()
    survey = VillageSurvey.query.one()
    row = InboxTask.query.filter_by(case_id=survey.case_id, task_name="conduct_survey").one()
    first = surveys.households_of(survey)[0].household_id
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            log_in(page, "village1")
            page.goto(f"/inbox/tasks/{row.id}")
            page.locator("form[action$='/claim'] button").click()
            page.goto(f"/inbox/tasks/{row.id}")
            page.locator(f"#household-{first} button[type=submit]").click()
            expect(page.locator(f"#household-{first} .outcome")).to_have_text("无变化，已确认")
            assert_fits(page, "phone-360-survey")
            assert not failures, failures
        finally:
            context.close()
