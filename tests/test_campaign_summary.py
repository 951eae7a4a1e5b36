"""Summary and evaluation (总结评估): a township's summary walked submit -> return -> resubmit -> approve
through the inboxes, its figures frozen as of the submission day; the county's evaluation with every
township's figures; both printed to PDF with their Chinese text (pdftotext)."""
import shutil

import pytest

from webapp.extensions import db
from webapp.models import Case, CampaignSummary
from webapp.services.campaign import bulletins, summaries, progress

from .dashboard_support import do_random_work
from .helpers import open_task, task_ids_on, user
from .pdf_support import assert_cjk_embedded, pdf_text, save_artifact

COUNTY = "341721"
SECTIONS = {"practices": "组织入户调查，逐户登记。", "problems": "外出务工人员联系困难。",
            "mechanism": "建立村级协管员动态更新机制。"}


def _task(client, row, data):
    page = f"/inbox/tasks/{row.id}"
    if row.assignee_id is None:
        client.post(f"{page}/claim", token_from="/inbox?view=team")
    return client.post(page, data, token_from=page)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is missing")
def test_a_summary_is_returned_resubmitted_approved_and_evaluated(county, client, tmp_path):
    do_random_work(20, seed=11)
    township = user("township").area
    client.login("county")
    assert client.post("/quality/summaries/open", {}, token_from="/quality/summaries").status_code == 302
    assert client.post("/quality/summaries/open", {}, token_from="/quality/summaries").status_code == 302
    client.logout()
    assert CampaignSummary.query.filter_by(kind="township").count() == len(bulletins.townships_of(COUNTY))
    summary = CampaignSummary.query.filter_by(township_code=township.code).one()
    case = db.session.get(Case, summary.case_id)
    write = open_task(case, "write_summary")
    assert write.lane == "township" and write.due_at is not None
    # The township: an incomplete summary is refused; a complete one is submitted with its figures frozen.
    client.login("township")
    assert write.id in task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    refused = _task(client, write, {"practices": "只写了做法", "problems": "", "mechanism": ""})
    assert refused.status_code == 200 and "都要填写" in refused.get_data(as_text=True)
    assert _task(client, write, SECTIONS).status_code == 302
    client.logout()
    db.session.expire_all()
    summary = db.session.get(CampaignSummary, summary.id)
    expected = summaries.township_figures(COUNTY, progress.local_day())[township.code]
    assert summary.status == "submitted" and summary.as_of == progress.local_day()
    assert summary.figures == expected and summary.figures["target"] > 0
    # The county returns it with a reason: the township's task is back, with the reason.
    review = open_task(case, "review_summary")
    assert review.lane == "county"
    client.login("county")
    assert _task(client, review, {"decision": "return", "comment": ""}).status_code == 200  # a reason is required
    assert _task(client, review, {"decision": "return", "comment": "请补充存在问题的具体数字"}).status_code == 302
    client.logout()
    again = open_task(case, "write_summary")
    assert again is not None and again.return_reason == "请补充存在问题的具体数字"
    db.session.expire_all()
    assert db.session.get(CampaignSummary, summary.id).status == "returned"
    client.login("township")
    html = client.get(f"/inbox/tasks/{again.id}").get_data(as_text=True)
    assert "请补充存在问题的具体数字" in html and "外出务工人员联系困难" in html  # comes back filled in
    resubmitted = dict(SECTIONS, problems="外出务工人员联系困难，仍有 12 户未联系上。")
    assert _task(client, again, resubmitted).status_code == 302
    client.logout()
    client.login("county")
    assert _task(client, open_task(case, "review_summary"), {"decision": "approve", "comment": ""}).status_code == 302
    db.session.expire_all()
    summary = db.session.get(CampaignSummary, summary.id)
    assert summary.status == "approved" and db.session.get(Case, case.id).status == "completed"
    # The county's evaluation: every township's figures as of today, and the three sections.
    answer = client.post("/quality/evaluation", {"practices": "全县统一部署。", "problems": "进度不均衡。",
                                                 "mechanism": "纳入年度考核。"}, token_from="/quality/summaries")
    assert answer.status_code == 302
    evaluation = summaries.evaluation_of(COUNTY)
    assert [r["code"] for r in evaluation.figures["townships"]] == \
        [r["code"] for r in bulletins.figures_as_of(COUNTY, progress.local_day())]
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)  # the case page tells the story
    assert "请补充存在问题的具体数字" in timeline and "工作总结" in timeline
    listing = client.get("/quality/summaries").get_data(as_text=True)
    assert f'data-summary="{summary.id}" data-status="approved"' in listing and 'id="evaluation-table"' in listing
    # Both print to PDF with the Chinese text and fonts embedded.
    for record, name, words in ((summary, "campaign_summary", ["主要做法", "存在问题", "长效机制", township.name,
                                                                "仍有 12 户未联系上"]),
                                (evaluation, "campaign_evaluation", ["总结评估", "纳入年度考核", township.name])):
        response = client.get(f"/quality/summaries/{record.id}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(response.data)
        text = pdf_text(str(path))
        assert all(word in text for word in words), text[:800]
        assert_cjk_embedded(str(path))
        save_artifact(response.data, name)
    client.logout()
    # A township reads its own summary, not another's, and cannot open the evaluation.
    other = CampaignSummary.query.filter(CampaignSummary.township_code != township.code,
                                         CampaignSummary.kind == "township").first()
    client.login("township")
    assert client.get(f"/quality/summaries/{summary.id}.pdf").status_code == 200
    assert client.get(f"/quality/summaries/{evaluation.id}.pdf").status_code == 404
    assert client.post("/quality/summaries/open", {}, token_from="/quality/summaries").status_code == 403
    other.figures = {"target": 1}
    db.session.commit()
    assert client.get(f"/quality/summaries/{other.id}.pdf").status_code == 404
