"""An expansion drive in a real browser: the village assistant records a contact on the round's task
page, a later comparison run converts targets, and the county reads the drive page (progress and
conversion). Screenshots of the drive page and the conversion report go to tests/artifacts/."""

from webapp.extensions import db
from webapp.models import ExpansionAssignment, ExpansionTarget, InboxTask
from webapp.services.expansion import drives, rules

from .browser_fixtures import BROWSER_MARKS as pytestmark, log_in, save_shot, open_browser, assert_fits  # noqa: F401 (pytest reads it)
from .helpers import user
from .test_expansion import LATER, PEOPLE, enrollment_rows, first_list, register_rows, run_comparison, village_of_test


def test_a_drive_page_shows_contacts_and_measured_conversion(browser_page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    page, failures = browser_page
    run = first_list(tmp_path)
    drive = drives.open_drive(run, "秋季扩面", list(rules.GROUP_CODES), [village_of_test().code], "village", user("county"))
    db.session.commit()
    assignment = ExpansionAssignment.query.one()
    row = InboxTask.query.filter_by(case_id=assignment.case_id, task_name="contact_targets").one()
    target = ExpansionTarget.query.filter_by(drive_id=drive.id, name="赵职工").one()

    log_in(page, "village1", fresh=True)
    page.goto(f"/inbox/tasks/{row.id}")
    page.locator("form[action$='/claim'] button").click()
    page.goto(f"/inbox/tasks/{row.id}")
    card = page.locator(f"#target-{target.id}")
    card.locator("select[name=outcome]").select_option("willing")
    card.locator("input[name=reason]").fill("愿意参加城乡居民养老保险")
    card.locator("button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(f"#target-{target.id}")).to_contain_text("有参保意愿")

    # A later run shows two of the targets enrolled: conversion is what the data says.
    enrolled = "".join(f"{PEOPLE[i][1]},{PEOPLE[i][0]},{scheme},正常参保,\n" for i in (0, 3)
                       for scheme in ("城乡居民养老保险", "新农合"))
    run_comparison(tmp_path, "2", LATER, register_rows(village_of_test()), enrollment_rows(enrolled))

    log_in(page, "county", fresh=True)
    page.locator("#nav-expansion").click()
    expect(page.locator("#group-counts")).to_contain_text("农民工")
    page.goto(f"/expansion/drives/{drive.id}")
    expect(page.locator("#drive-contacted")).to_have_text("1")
    expect(page.locator("#drive-converted")).to_have_text("2")
    expect(page.locator("#drive-rate")).to_have_text("33.3%")
    expect(page.locator("#drive-by-staff")).to_contain_text(user("village1").display_name)
    save_shot(page, "expansion_drive")
    page.goto("/expansion/conversion")
    expect(page.locator("#conversion-rate")).to_have_text("33.3%")
    save_shot(page, "expansion_conversion")
    assert not failures, failures


def test_the_contact_round_fits_a_phone(live_server, tmp_path):  # noqa: F811
    """The assistant's contact page at 360 px: targets as cards, a refusal recorded with its reason."""
    import tempfile

    from playwright.sync_api import expect, sync_playwright

    run = first_list(tmp_path)
    drive = drives.open_drive(run, "秋季扩面", ["farmer"], [village_of_test().code], "village", user("county"))
    db.session.commit()
    row = InboxTask.query.filter_by(case_id=ExpansionAssignment.query.one().case_id).one()
    target = ExpansionTarget.query.filter_by(drive_id=drive.id).one()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 360)
        try:
            log_in(page, "village1")
            page.goto(f"/inbox/tasks/{row.id}")
            page.locator("form[action$='/claim'] button").click()
            page.goto(f"/inbox/tasks/{row.id}")
            card = page.locator(f"#target-{target.id}")
            card.locator("select[name=outcome]").select_option("refused")
            card.locator("input[name=reason]").fill("认为缴费负担重")
            card.locator("button[type=submit]").click()
            expect(page.locator(f"#target-{target.id}")).to_contain_text("拒绝参保")
            assert_fits(page, "phone-360-expansion")
            assert not failures, failures
        finally:
            context.close()
