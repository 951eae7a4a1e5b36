"""Issue 13: no coded value or Python literal on any page the demo's users can reach, in both languages.

The demo county is walked into every interesting state (a not-at-home revisit, a return, an
approved case written to the registry, an intake run with problem cases, a resolved problem),
then every role follows every link it can reach and the visible text is checked.
"""
import re
from urllib.parse import urljoin, urlparse

import pytest

from webapp import codes
from webapp.extensions import db
from webapp.models import Area, ComparisonRun, ProblemRecord

from .helpers import case_at_visit, case_in_village, open_task, user
from .test_case_walkthrough import assign_step, review_step, visit_step
from .test_intake_web import ENROLLMENT, REGISTER, upload_file
from .visible import visible_text

ROLES = ("village1", "township", "county", "agency", "supervisor", "admin", "gongan")
SKIP = re.compile(r"/logout|\.xlsx|\.csv|\.json|\.pdf|/static/|/lang/|/language|/export|/download|/print")
# Every coded value of the registration form and of the processes; ASCII codes never belong in text.
CODE_LISTS = ("PERSON_STATUS", "HOUSEHOLD_TYPE", "INSURED_WHERE", "PENSION_SCHEMES", "MEDICAL_SCHEMES",
              "UNINSURED_REASONS", "SIGNATURE")
PROCESS_CODES = {"return", "approve", "reject", "not_at_home", "benefit_stopped", "id_corrected",
                 "records_merged", "contribution_stopped", "not_a_problem", "done", "public_security",
                 "social_insurance", "health", "civil_affairs", "duplicate_pension", "invalid_id", "survey",
                 "check_char", "comparison", "queued", "running", "failed"}


def _codes():
    found = set(PROCESS_CODES)
    for name in CODE_LISTS:
        found.update(code for code, _ in getattr(codes, name) if code and code.isascii())
    return found


def _offences(text, english):
    hits = set(re.findall(r"\b(True|False|None)\b", text))
    words = set(re.findall(r"\b[a-z][a-z_]+\b", text))
    for code in _codes():
        if "_" in code or not english:
            if code in words:
                hits.add(code)
    hits.update(re.findall(r"\b(?:health|public_security|social_insurance) \d+", text))
    return hits


def _demo_in_every_state(client):
    # A not-at-home visit (a revisit is open), a returned first review, and a case in the registry.
    revisit = case_at_visit()
    row = open_task(revisit, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-11-28"}, token_from=page)
    client.logout()
    done = case_in_village()
    village = Area.query.filter_by(code=user("village1").area.code).one()
    assign_step(client, done, village.code, user("village1"))
    visit_step(client, done)
    review_step(client, "township", done, "first_review", "return", "电话缺失")
    visit_step(client, done)
    review_step(client, "township", done, "first_review", "approve")
    review_step(client, "county", done, "county_audit_review", "approve")
    # An intake run with its problem cases; one problem resolved.
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    client.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    client.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    case = db.session.get(type(done), ProblemRecord.query.filter_by(problem_type="duplicate_pension").one().case_id)
    for task, data in (("investigate_problem", {"investigation_note": "两处缴费"}),
                       ("resolve_problem", {"problem_outcome": "benefit_stopped", "resolution_note": "已停发"})):
        row = open_task(case, task)
        page = f"/inbox/tasks/{row.id}"
        client.post(f"{page}/claim", token_from="/inbox?view=team")
        client.post(page, data, token_from=page)
    client.logout()
    _changes_in_every_state(client)
    return done


def _changes_in_every_state(client):
    """Change requests open (in conflict), applied, rejected, and one automatic: their pages are walked."""
    from webapp.models import Person
    from webapp.services.casework import changes

    person = Person.query.filter_by(village_code=user("village1").area.code).order_by(Person.id).first()
    changes.raise_request("death", user("agency"), "agency", "卫健死亡信息", None, person=person, evidence="证明")
    changes.raise_request("status", user("township"), "township", "外出务工", "moved_away", person=person)
    phone = changes.raise_request("correction", user("village1"), "village", "电话", "13900000009", person=person,
                                  field="phone")
    scheme = changes.raise_request("scheme", user("village1"), "village", "已参保", "resident_pension",
                                   person=person, field="pension_scheme")
    db.session.commit()
    review_step(client, "township", phone.case, "township_review_change", "approve")
    review_step(client, "township", scheme.case, "township_review_change", "reject", "无参保凭证")
    # A periodic survey open in village1, one household confirmed.
    from webapp import clock
    from webapp.services.casework import surveys

    surveys.set_schedule(user("village1").area, 90, clock.now().date(), user("township"))
    surveys.open_due_surveys(clock.now().date())
    survey = surveys.VillageSurvey.query.one()
    surveys.mark(survey, surveys.households_of(survey)[0].household_id, "confirmed", user("village1"))
    db.session.commit()


def _walk(client, limit=160):
    seen, queue, pages = set(), ["/"], {}
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow_redirects=True)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for href in re.findall(r'href="([^"#]+)"', html):
            target = urljoin(url, href.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.netloc or SKIP.search(parsed.path):
                continue
            # One page of each list is enough; paging through hundreds of rows adds nothing.
            if re.search(r"[?&]page=(?!1\b)\d+", target):
                continue
            queue.append(target)
    return pages


# Crawls every page of every role in each language (about 11 s each): CI runs it; the quick loop leaves it out.
@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_no_page_shows_a_code_or_python_literal(county, client, make_client, language):
    done = _demo_in_every_state(client)
    client.login("county")
    timeline = client.get(f"/cases/{done.id}").get_data(as_text=True)
    client.logout()
    row = re.search(r"<tr>(?:(?!</tr>).)*写入登记库(?:(?!</tr>).)*</tr>", timeline, re.S).group(0)
    assert not re.search(r"<td>\s*\d+\s*</td>", row), row  # a count has its words, not a bare number
    problems = []
    for username in ROLES:
        walker = make_client()
        walker.login(username)
        walker.post(f"/language/{language}", token_from="/notifications/")
        for url, html in _walk(walker).items():
            text = visible_text(html)
            for hit in _offences(text, english=language == "en"):
                at = text.find(hit)
                problems.append(f"{username} {url}: {hit!r} in …{text[max(0, at - 40):at + 40]}…")
    assert not problems, "\n".join(sorted(set(problems))[:80])
