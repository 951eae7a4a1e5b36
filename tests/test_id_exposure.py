"""Full ID numbers: masked on every intake page (also IDs with a wrong check digit, whose right
check digit is computable), shown for one record only on an explicit, audited request, and every
page that shows a full ID writes an audit event (found by walking each role's pages)."""
import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest

from webapp.extensions import db
from webapp.idnumber import mask_id
from webapp.models import AuditEvent, ComparisonRun, ImportBatch, LinkageCandidate, ProblemRecord, ValidationIssue

from .helpers import case_at_visit
from .test_intake_web import ADULT, BARE, ENROLLMENT, REGISTER, TWICE, WRONG_CHECK, upload_file

BAD_REGISTER_ID = BARE[:17] + "3"
# Every ID of the uploaded files: four valid, two with a wrong check digit.
FILE_IDS = (ADULT, BARE, TWICE, BAD_REGISTER_ID, WRONG_CHECK)
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


@pytest.fixture
def intake_run(county, make_client):
    """Both department files imported, a comparison run, and its problem cases started."""
    agency = make_client()
    agency.login("agency")
    upload_file(agency, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    upload_file(agency, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    agency.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    agency.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    db.session.commit()
    return run


def _no_full_ids(page):
    for full in FILE_IDS:
        assert full[:17] not in page, f"{full} shown whole (its first 17 digits give the rest)"


def _audits():
    db.session.expire_all()
    return AuditEvent.query.count()


def test_intake_pages_mask_every_id(intake_run, client):
    client.login("agency")
    run = intake_run
    pages = [f"/intake/batches/{b.id}" for b in ImportBatch.query] + [
        f"/intake/runs/{run.id}/problems", f"/intake/runs/{run.id}/candidates", f"/intake/runs/{run.id}/results",
        f"/intake/runs/{run.id}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        _no_full_ids(response.get_data(as_text=True))
    problems = client.get(f"/intake/runs/{run.id}/problems").get_data(as_text=True)
    assert mask_id(BAD_REGISTER_ID) in problems and mask_id(WRONG_CHECK) in problems
    candidates = client.get(f"/intake/runs/{run.id}/candidates").get_data(as_text=True)
    assert mask_id(WRONG_CHECK) in candidates and "显示完整号码" in candidates
    batch = ImportBatch.query.filter_by(source="public_security").one()
    assert mask_id(BAD_REGISTER_ID) in client.get(f"/intake/batches/{batch.id}").get_data(as_text=True)


def test_problem_task_page_masks_the_raw_id(intake_run, client):
    record = ProblemRecord.query.filter_by(problem_type="invalid_id").filter(ProblemRecord.case_id.isnot(None)).first()
    from webapp.models import InboxTask

    task = InboxTask.query.filter_by(case_id=record.case_id, state="ready").one()
    client.login("agency")
    page = client.get(f"/inbox/tasks/{task.id}").get_data(as_text=True)
    _no_full_ids(page)
    assert mask_id(record.id_raw) in page and "显示完整号码" in page


def test_reveal_shows_one_full_id_and_is_audited(intake_run, client):
    client.login("agency")
    run = intake_run
    record = ProblemRecord.query.filter_by(id_raw=WRONG_CHECK).first()
    listing = f"/intake/runs/{run.id}/problems"
    before = _audits()
    response = client.post(f"/intake/reveal/problem/{record.id}", {"next": listing}, token_from=listing)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and WRONG_CHECK in page and f'href="{listing}"' in page
    assert response.headers["Cache-Control"] == "no-store"
    event = AuditEvent.query.filter_by(action="reveal_id").one()
    assert (event.user.username, event.object_type, event.object_id) == ("agency", "problem_record", str(record.id))
    assert _audits() == before + 1

    candidate = LinkageCandidate.query.one()
    page = client.post(f"/intake/reveal/candidate/{candidate.id}", {"next": "//evil.example/"},
                       token_from=listing).get_data(as_text=True)
    assert WRONG_CHECK in page and ADULT in page and 'href="//evil.example/"' not in page
    issue = ValidationIssue.query.filter_by(code="check_char").first()
    page = client.post(f"/intake/reveal/issue/{issue.id}", token_from=listing).get_data(as_text=True)
    assert issue.value in page
    assert [e.object_type for e in AuditEvent.query.filter_by(action="reveal_id").order_by(AuditEvent.id)] == [
        "problem_record", "linkage_candidate", "validation_issue"]

    # Only a POST with the CSRF token, only for people who may see the list, nothing else audited.
    assert client.get(f"/intake/reveal/problem/{record.id}").status_code == 405
    assert client.raw.post(f"/intake/reveal/problem/{record.id}", data={}).status_code == 400
    assert client.post("/intake/reveal/problem/999999", token_from=listing).status_code == 404
    assert client.post(f"/intake/reveal/person/{record.id}", token_from=listing).status_code == 404
    client.logout()
    client.login("village1")
    assert client.post(f"/intake/reveal/problem/{record.id}", token_from="/inbox").status_code == 403
    assert AuditEvent.query.filter_by(action="reveal_id").count() == 3


def test_a_problem_outside_the_users_area_is_not_revealed(intake_run, client):
    record = ProblemRecord.query.filter_by(id_raw=WRONG_CHECK).first()
    record.county_code = "340000"
    db.session.commit()
    client.login("agency")
    assert client.post(f"/intake/reveal/problem/{record.id}", token_from="/intake/").status_code == 404
    assert AuditEvent.query.filter_by(action="reveal_id").count() == 0


# -- the walk: every page that shows a full ID writes an audit event ------------------------------

SKIP = re.compile(r"/logout|/language/|/static/|\.xlsx|\.json|/admin/diagrams/\d+/")


def _pattern(path):
    return re.sub(r"\d+", "N", path)


def _walk(client, start="/", per_pattern=3, limit=120):
    """GET every same-site link reachable from ``start`` (a few of each URL shape); for each page,
    whether it showed a full ID and how many audit events its request wrote."""
    seen, shapes, queue, pages = set(), Counter(), deque([start]), []
    while queue and len(pages) < limit:
        url = queue.popleft()
        before = _audits()
        response = client.get(url)
        written = _audits() - before
        if response.status_code in (301, 302):
            queue.append(urljoin(url, response.headers["Location"]))
            continue
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        pages.append((url, bool(FULL_ID.search(html)), written))
        for href in re.findall(r'href="([^"#]+)', html):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc not in ("", "localhost") or SKIP.search(parts.path):
                continue
            path = parts.path + ("?" + parts.query if parts.query else "")
            if path in seen or shapes[_pattern(parts.path)] >= per_pattern:
                continue
            seen.add(path)
            shapes[_pattern(parts.path)] += 1
            queue.append(path)
    return pages


# Crawls every page of every role (about 12 s): CI runs it; the quick loop leaves it out.
@pytest.mark.slow
def test_every_page_that_shows_a_full_id_writes_an_audit_event(intake_run, make_client):
    case_at_visit("village1")  # a visit with registration forms to open
    db.session.commit()
    shown_somewhere = set()
    for username in ("village1", "township", "county", "agency", "supervisor", "admin"):
        client = make_client()
        client.login(username)
        pages = _walk(client)
        assert len(pages) >= 3, (username, pages)
        unaudited = [url for url, full, written in pages if full and not written]
        assert unaudited == [], f"{username} saw full IDs without an audit event on {unaudited}"
        shown_somewhere |= {_pattern(urlsplit(url).path) for url, full, _ in pages if full}
    # The walk did reach the pages that show full IDs (else it proves nothing).
    assert "/inbox/tasks/N/forms/N" in shown_somewhere or any("forms" in p for p in shown_somewhere), shown_somewhere
    assert "/registry/persons/N" in shown_somewhere, shown_somewhere


def test_the_migration_masks_raw_ids_stored_before(intake_run):
    """Rows written before the fix quoted the raw ID whole; migration 0010 masks them."""
    from flask_migrate import downgrade, upgrade

    from webapp.models import Case

    record = ProblemRecord.query.filter_by(id_raw=WRONG_CHECK).first()
    case = db.session.get(Case, record.case_id)
    record.detail, case.title = f"身份证号无效：{WRONG_CHECK}，第 7 行", f"身份证号无效：甲一 {WRONG_CHECK}"
    record_id, case_id = record.id, case.id
    db.session.commit()
    db.session.remove()
    downgrade(revision="0009_staff_accounts")
    upgrade()
    record, case = db.session.get(ProblemRecord, record_id), db.session.get(Case, case_id)
    assert record.detail == f"身份证号无效：{mask_id(WRONG_CHECK)}，第 7 行"
    assert case.title == f"身份证号无效：甲一 {mask_id(WRONG_CHECK)}" and record.id_raw == WRONG_CHECK
