"""Issue 13: a same-person decision is confirmed on screen, the row stays put, decided pairs read as decided."""
import re

from webapp.extensions import db
from webapp.models import LinkageCandidate

from .test_intake_runs import ENROLLMENT, REGISTER, start_run, upload_file
from .visible import visible_text


def _order(client, page):
    return [int(i) for i in re.findall(r'/intake/candidates/(\d+)/decide', client.get(page).get_data(as_text=True))]


def test_decision_gives_feedback_keeps_the_row_in_place_and_shows_decided(county, client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("utf-8"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    run = start_run(client, "2017-06-30")
    page = f"/intake/runs/{run.id}/candidates"
    html = client.get(page).get_data(as_text=True)
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    before = [int(re.search(r"/intake/candidates/(\d+)/decide", row).group(1)) for row in rows]
    assert len(before) == 2
    first = db.session.get(LinkageCandidate, before[0])

    response = client.post(f"/intake/candidates/{first.id}/decide",
                           {"decision": "confirm", "page": "1", "status": ""}, token_from=page)
    assert response.status_code == 302 and f"/intake/runs/{run.id}/candidates" in response.headers["Location"]
    text = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "已确认为同一人" in text and (first.name or "") in text
    assert first.candidate_id_number not in text  # the pair is named masked
    assert first.candidate_id_number[:6] + "********" + first.candidate_id_number[-4:] in text
    html = client.get(page).get_data(as_text=True)
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert "已确认是同一人" in rows[0]  # still the first row, now shown as decided
    assert _order(client, page) == before[1:]

    # A filter keeps what is left to do; the decision keeps the filter and the page.
    response = client.post(f"/intake/candidates/{before[1]}/decide",
                           {"decision": "reject", "page": "1", "status": "pending"}, token_from=page)
    assert "status=pending" in response.headers["Location"]
    assert "已确认不是同一人" in visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert _order(client, page + "?status=pending") == []
    assert "已确认不是" in visible_text(client.get(page + "?status=decided").get_data(as_text=True))
