"""Issue 13: the problem-case investigation note is shown, and the investigator resolves the case."""
from webapp.extensions import db
from webapp.models import Case, ComparisonRun, ProblemRecord

from .helpers import open_task, user
from .test_intake_web import ENROLLMENT, REGISTER, upload_file
from .visible import visible_text


def _problem_case(client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    client.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    client.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    record = ProblemRecord.query.filter_by(problem_type="duplicate_pension").one()
    return db.session.get(Case, record.case_id)


def test_investigation_note_reaches_the_resolve_step_its_author_and_the_timeline(county, client):
    case = _problem_case(client)
    row = open_task(case, "investigate_problem")
    page = f"/inbox/tasks/{row.id}"
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    response = client.post(page, {"investigation_note": "企业和居民养老同时缴费"}, token_from=page)
    assert response.status_code == 302

    resolve = open_task(case, "resolve_problem")
    assert resolve.assignee_id == user("agency").id  # back to the investigator, not the team pool
    text = visible_text(client.get(f"/inbox/tasks/{resolve.id}").get_data(as_text=True))
    assert "调查情况" in text and "企业和居民养老同时缴费" in text
    assert "处理结果" in text  # the investigator can work it straight away (no claim needed)

    page = f"/inbox/tasks/{resolve.id}"
    client.post(page, {"problem_outcome": "benefit_stopped", "resolution_note": "已停发"}, token_from=page)
    text = visible_text(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "企业和居民养老同时缴费" in text and "已停发" in text
    assert "已停发并追回待遇" in text and "benefit_stopped" not in text
    assert "登记表" not in text and "尚无登记表" not in text  # no empty registration section
