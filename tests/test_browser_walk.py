"""Every role's main path in a real browser, in Chinese and in English, on a desktop and on a
360 px phone: no raw code or Python literal in the visible text, no sideways scrolling on the
village assistant's pages (its main path and every page of its menu), the print stylesheet hides
the navigation. Screenshots of every page go to tests/artifacts/walk-<lang>-<width>-<role>-<page>.png."""
import os
import re
import tempfile

import pytest

from webapp.extensions import db
from webapp.models import Person

from .helpers import case_at_visit, open_task, registration_form_data, user
from .browser_fixtures import ARTIFACTS, CHROMIUM, log_in, open_browser, OVERFLOW

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} is missing (apt-get install chromium); browser test not run"),
]

# Python literals and stored codes that must never reach a reader (words, not substrings).
_CODES = ("True|False|None|return|not_at_home|approve|benefit_stopped|resident_pension|resident_medical|"
          "enterprise_pension|unwilling|signed|refused|normal|agricultural|public_security|data_provider|"
          "visit_household|first_review|assign_household|F|M")
# A code counts as a word only between non-word, non-hyphen characters ("Non-agricultural" is English).
RAW = re.compile(rf"(?<![\w-])({_CODES})(?![\w-])|\{{'|\['|'\]")


# Pages whose coded values the labelling layer of the parallel branch h13-defects rewrites (the
# person record, the staff list's role names); their screenshots are still taken here.
def _paths(ids):
    """(role, [(page name, path)]) of each role's main path; the assistant's pages come first."""
    return [
        ("village1", [("inbox", "/inbox"), ("visit", f"/inbox/tasks/{ids['visit']}"),
                      ("form", f"/inbox/tasks/{ids['visit']}/forms/{ids['person']}"),
                      ("case", f"/cases/{ids['case']}"), ("search", f"/search/?q={ids['suffix']}"),
                      ("person", f"/registry/persons/{ids['person']}")]),
        ("township", [("home", "/"), ("cases", "/cases/"), ("case", f"/cases/{ids['case']}"),
                      ("search", f"/search/?q={ids['head']}"), ("dashboard", "/dashboard/")]),
        ("county", [("home", "/"), ("registry", "/registry/persons"),
                    ("person", f"/registry/persons/{ids['person']}"), ("dashboard", "/dashboard/"),
                    ("bulletins", "/dashboard/bulletins")]),
        ("agency", [("home", "/")]),
        ("supervisor", [("home", "/")]),
        ("gongan", [("home", "/")]),
        ("admin", [("home", "/")]),
    ]


def _prepare():
    case = case_at_visit()
    visit = open_task(case, "visit_household")
    person = case.household.persons[0]
    # One filled form, so the assistant's pages show stored (coded) values too.
    from webapp.inbox.registration_forms import PersonRegistrationForm
    from webapp.services.casework import tasks

    with db.session.no_autoflush:
        data = registration_form_data(person, outcome_code="willing")
    from werkzeug.datastructures import MultiDict
    from flask import current_app
    with current_app.test_request_context(method="POST", data=MultiDict(data)):
        form = PersonRegistrationForm(meta={"csrf": False})
        assert form.validate(), form.errors
        tasks.save_registration_form(visit, user("village1"), form.id_number.data, form.name.data,
                                     form.stored_data(), person)
    db.session.commit()
    ids = {"visit": visit.id, "person": person.id, "case": case.id, "suffix": person.id_number[-6:],
           "head": case.household.head_name}
    db.session.commit()
    return ids


def _menu_pages(page, pages):
    """(page name, path) of each link of the signed-in user's menu not already in ``pages``."""
    known = {path for _name, path in pages}
    hrefs = page.locator("header.topbar nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return [("menu-" + href.strip("/").replace("/", "-"), href) for href in dict.fromkeys(hrefs)
            if href.startswith("/") and href not in known]


def _walk(page, failures, lang, width, ids):
    from playwright.sync_api import expect

    os.makedirs(ARTIFACTS, exist_ok=True)
    problems = []
    page.goto("/login")
    page.locator(".lang button", has_text="English" if lang == "en" else "简体中文").click()
    for username, pages in _paths(ids):
        log_in(page, username)
        if username == "village1":
            # Every page of the assistant's menu too, not only the main path: each must fit a phone.
            pages = pages + _menu_pages(page, pages)
        for name, path in pages:
            response = page.goto(path)
            assert response.status == 200, f"{username} {path}: {response.status}"
            shot = os.path.join(ARTIFACTS, f"walk-{lang}-{width}-{username}-{name}.png")
            page.screenshot(path=shot, full_page=True)
            text = page.locator("body").inner_text()
            for match in RAW.finditer(text):
                start = max(match.start() - 30, 0)
                problems.append(f"{lang}/{width} {username} {path}: {match.group(0)!r} in "
                                f"{text[start:match.end() + 30]!r}")
            if username == "village1" and not page.evaluate(OVERFLOW):
                problems.append(f"{lang}/{width} {path}: wider than the screen")
        page.locator(".who button[type=submit]").click()
        expect(page.locator("#username")).to_be_visible()
    assert not problems, "\n".join(problems)
    assert failures == []


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_every_role_walks_its_main_path(live_server, lang, width):  # noqa: F811
    from playwright.sync_api import sync_playwright

    ids = _prepare()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, width, 844 if width < 600 else 900)
        try:
            _walk(page, failures, lang, width, ids)
        finally:
            context.close()


def test_print_stylesheet_hides_the_navigation(live_server):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    ids = _prepare()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as pw:
        context, page, failures = open_browser(pw, profile, live_server, 1280, 900)
        try:
            log_in(page, "village1")
            for path in (f"/cases/{ids['case']}", f"/inbox/tasks/{ids['visit']}/forms/{ids['person']}"):
                page.goto(path)
                page.emulate_media(media="print")
                expect(page.locator("header.topbar")).to_be_hidden()
                expect(page.locator("button.print-button")).to_be_hidden()
                expect(page.locator("main h1")).to_be_visible()
                page.pdf(path=os.path.join(ARTIFACTS, "print-" + path.strip("/").replace("/", "-") + ".pdf"),
                         format="A4")
                page.emulate_media(media="screen")
                expect(page.locator("header.topbar")).to_be_visible()
        finally:
            context.close()
    assert failures == []
