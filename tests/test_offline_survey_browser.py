"""The periodic village survey offline on a 360 px phone in Chromium: download the survey's
household list, go offline, confirm one household and raise a change for another, finish the
survey, reload offline, go online and sync; the server then has the survey completed, one change
request and the confirmation; syncing again changes nothing. Screenshot: tests/artifacts/offline-survey-360.png."""
import tempfile

from webapp.extensions import db
from webapp.models import ChangeRequest, SurveyHousehold, VillageSurvey

from .browser_fixtures import BROWSER_MARKS, open_browser, assert_fits
from .test_offline_browser import open_app
from .test_offline_survey import open_survey

pytestmark = BROWSER_MARKS


def test_survey_done_offline_then_synced(live_server):
    from playwright.sync_api import expect, sync_playwright

    survey, row = open_survey()
    task_id, survey_id = row.id, survey.id
    rows = SurveyHousehold.query.filter_by(survey_id=survey_id).all()
    households = {sh.household_id: sh.household for sh in rows}
    changed_id = min(households)
    others = [h for h in households if h != changed_id]
    person = households[changed_id].persons[0]
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            open_app(page)
            page.locator("#download").click()
            link = page.locator(f'a.survey-link[href="#survey/{task_id}"]')
            expect(link).to_be_visible()

            context.set_offline(True)
            link.click()
            expect(page.locator("#survey")).to_be_visible()
            # Finishing with households left is refused on the phone already.
            page.locator("#survey-done-form button[type=submit]").click()
            expect(page.locator("#survey-error")).to_be_visible()
            for household_id in others:
                item = page.locator(f'#survey-households > li[data-household-id="{household_id}"]')
                item.locator("button.confirm").click()
                expect(item.locator(".state").first).to_contain_text("待同步")
            changed = page.locator(f'#survey-households > li[data-household-id="{changed_id}"]')
            changed.locator(f'li[data-person-id="{person.id}"] a.button').click()
            expect(page.locator("#survey-change")).to_be_visible()
            page.select_option("#change-kind", "correction")
            page.select_option("#change-field", "phone")
            page.fill("#change-text_value", "13911112222")
            page.fill("#change-reason", "入户调查：电话已换")
            page.locator("#change-form button[type=submit]").click()
            expect(page.locator("#survey")).to_be_visible()
            expect(changed.locator(".state").first).to_contain_text("已申报变更")
            expect(changed.locator("button.confirm")).to_have_count(0)
            page.fill("#survey_note", "离线完成定期调查")
            page.locator("#survey-done-form button[type=submit]").click()
            expect(page.locator("#survey-state")).to_contain_text("待同步")
            assert_fits(page, "offline-survey-360")

            reloaded = page.reload()
            assert reloaded.from_service_worker  # the shell came from the worker's cache, offline
            expect(page.locator("#survey")).to_be_visible()
            expect(page.locator("#survey-state")).to_contain_text("待同步")

            context.set_offline(False)
            page.locator("#sync-now").click()
            expect(page.locator("#net-status")).to_have_text("同步完成", timeout=30_000)
            expect(page.locator("#survey-state")).to_contain_text("已同步")
            page.locator("#sync-now").click()  # a second sync sends nothing again
            expect(page.locator("#net-status")).to_have_text("同步完成", timeout=30_000)
        finally:
            context.close()
    db.session.expire_all()
    assert db.session.get(VillageSurvey, survey_id).status == "completed"
    raised = ChangeRequest.query.filter_by(person_id=person.id).one()
    assert (raised.kind, raised.field, raised.new_value, raised.origin) == ("correction", "phone", "13911112222", "village")
    outcomes = {sh.household_id: sh.outcome for sh in SurveyHousehold.query.filter_by(survey_id=survey_id)}
    assert outcomes[changed_id] == "changes_raised" and all(outcomes[h] == "confirmed" for h in others)
    assert [f for f in failures if "/offline/api/" not in f] == []
