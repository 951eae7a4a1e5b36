"""Issue 13: a return needs its reason, and a not-at-home visit comes back as a revisit, not a return."""
import pytest

from .helpers import case_at_visit, open_task
from .visible import visible_text
from .test_case_walkthrough import review_step, visit_step


def _post_review(client, username, row, data):
    client.login(username)
    page = f"/inbox/tasks/{row.id}"
    if row.assignee_id is None:
        client.post(f"{page}/claim", token_from="/inbox?view=team")
    response = client.post(page, data, token_from=page)
    client.logout()
    return response


@pytest.mark.parametrize("comment", ["", "   "])
def test_first_review_return_without_reason_is_refused(county, client, comment):
    case = case_at_visit()
    visit_step(client, case)
    row = open_task(case, "first_review")
    response = _post_review(client, "township", row, {"decision": "return", "comment": comment})
    assert response.status_code == 200
    assert "退回时必须写明原因" in response.get_data(as_text=True)
    assert open_task(case, "first_review") is not None and open_task(case, "visit_household") is None


def test_county_audit_return_without_reason_is_refused_and_reason_is_shown(county, client):
    case = case_at_visit()
    visit_step(client, case)
    review_step(client, "township", case, "first_review", "approve")
    row = open_task(case, "county_audit_review")
    response = _post_review(client, "county", row, {"decision": "return", "comment": ""})
    assert response.status_code == 200 and "退回时必须写明原因" in response.get_data(as_text=True)
    assert open_task(case, "first_review") is None
    # With a reason it goes back, and the page shows the reason, never the code.
    review_step(client, "county", case, "county_audit_review", "return", "参保地有误")
    back = open_task(case, "first_review")
    client.login("township")
    html = client.get(f"/inbox/tasks/{back.id}").get_data(as_text=True)
    assert "参保地有误" in html and "：return" not in html


def test_change_review_reject_without_reason_is_refused(county, client):
    from .test_dynamic_change import raise_change, registered_person

    person = registered_person()
    case = raise_change(client, person, status="deceased", reason="据村民反映已死亡")
    row = open_task(case, "review_change")
    response = _post_review(client, "county", row, {"decision": "reject", "comment": ""})
    assert response.status_code == 200 and "不予变更时必须写明原因" in response.get_data(as_text=True)
    assert open_task(case, "review_change") is not None


def test_not_at_home_comes_back_as_a_revisit(county, client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    response = client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-11-28",
                                  "visit_comment": "全家外出务工"}, token_from=page)
    assert response.status_code == 302
    again = open_task(case, "visit_household")
    html = client.get(f"/inbox/tasks/{again.id}").get_data(as_text=True)
    assert "再次走访" in html and "上次未遇原因" in html and "全家外出务工" in html
    assert "退回原因" not in html and "returned-reason" not in html
    client.logout()


def test_not_at_home_without_a_note_shows_no_code(county, client):
    case = case_at_visit()
    row = open_task(case, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-11-28"}, token_from=page)
    again = open_task(case, "visit_household")
    html = visible_text(client.get(f"/inbox/tasks/{again.id}").get_data(as_text=True))
    assert "再次走访" in html and "not_at_home" not in html and "退回原因" not in html
