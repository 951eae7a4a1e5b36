"""Employer inspection (用工检查): from an uninsured employer of one run, notice (printable), the
re-check against the next run's enrollment data, the outcome; not-liable and penalised outcomes;
documents; one employer's history across two runs; the annual check list; the tax flag audited."""
import io
import re

import pytest
from openpyxl import load_workbook

from webapp.extensions import db
from webapp.models import (AuditEvent, Case, ComparisonEmployer, EmployerInspection, ImportBatch, InspectionDocument,
                           Notification)
from webapp.services.casework import inspections
from webapp.services.intake import importing as intake_import

from .helpers import open_task, user
from .test_intake_employers import C, P, SI, _import_all, _run

pytestmark = pytest.mark.usefixtures("demo_areas")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _second_run(tmp_path):
    """The next round: 丙 (code C) now enrolls one person."""
    si_batch = ImportBatch.query.filter_by(source="social_insurance", active=True).one()
    intake_import.retire_batch(si_batch, "新一轮社保数据")
    db.session.commit()
    _import_all(tmp_path, SI + f"{P[7]},辛八,职工医保,正常参保,东至县丙有限公司,{C}\n")
    return _run()


def _open(client, run, name):
    row = ComparisonEmployer.query.filter_by(run_id=run.id, name=name).one()
    key = row.credit_code
    page = f"/employers/history?key={key}"
    response = client.post("/employers/inspect", {"key": key}, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    inspection = EmployerInspection.query.filter_by(employer_key=key, status="open").one()
    return inspection, db.session.get(Case, inspection.case_id)


def _claim(client, row):
    client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team")


def _notice(client, case):
    row = open_task(case, "issue_notice")
    assert row is not None and row.lane == "county"
    _claim(client, row)
    page = f"/inbox/tasks/{row.id}"
    response = client.post(page, {"notice_decision": "issued", "notice_number": "东人社检〔2026〕1号",
                                  "notice_date": "2026-11-01", "rectify_by": "2026-12-01",
                                  "notice_text": "为 3 名职工办理参保", "notice_comment": ""}, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]


def test_inspection_walked_from_notice_to_rectified_with_the_next_run(county, client, tmp_path):
    _import_all(tmp_path)
    first = _run()
    client.login("county")
    inspection, case = _open(client, first, "东至县丙有限公司")
    _notice(client, case)
    db.session.expire_all()
    inspection = db.session.get(EmployerInspection, inspection.id)
    assert inspection.notice_number == "东人社检〔2026〕1号" and str(inspection.rectify_by) == "2026-12-01"
    notice = client.get(f"/employers/inspections/{inspection.id}/notice.pdf")
    assert notice.status_code == 200 and notice.data.startswith(b"%PDF")

    row = open_task(case, "recheck_employer")
    assert row is not None and row.due_at is not None  # the rectification period is the step's deadline
    _claim(client, row)
    page = f"/inbox/tasks/{row.id}"
    html = client.get(page).get_data(as_text=True)
    assert "尚无新的比对批次" in html
    refused = client.post(page, {"inspection_outcome": "rectified", "outcome_note": ""}, token_from=page)
    assert refused.status_code == 200 and "不能认定为已整改" in refused.get_data(as_text=True)

    second = _second_run(tmp_path)
    # The run told the re-check's holder, once (running it again tells nobody twice).
    told = Notification.query.filter_by(kind="recheck", inbox_task_id=row.id).all()
    assert [n.user_id for n in told] == [user("county").id] and "东至县丙有限公司：1" in told[0].message
    inspections.notify_rechecks(second)
    db.session.commit()
    assert Notification.query.filter_by(kind="recheck").count() == 1
    assert "单位已有职工参保" in client.get("/notifications/").get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert f"比对批次 #{second.id}" in html and "已有 1 人参保" in html  # the re-check shows the next run
    done = client.post(page, {"inspection_outcome": "rectified", "outcome_note": "已为职工参保"}, token_from=page)
    assert done.status_code == 302, done.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    inspection = db.session.get(EmployerInspection, inspection.id)
    assert (inspection.status, inspection.outcome, inspection.recheck_run_id, inspection.recheck_insured) == (
        "closed", "rectified", second.id, 1)
    assert db.session.get(Case, case.id).status == "completed"

    # The employer's history across the two runs, with its inspection.
    history = client.get(f"/employers/history?key={C}").get_data(as_text=True)
    runs = history[history.index('id="employer-runs"'):history.index('id="employer-inspections"')]
    assert f"#{first.id}" in runs and f"#{second.id}" in runs
    assert "未参保单位" in runs and "已参保单位" in runs and "已转为参保" in runs
    assert "已整改参保" in history[history.index('id="employer-inspections"'):]
    assert AuditEvent.query.filter_by(action="view_employer", object_type="employer").count() >= 1
    # In English: the page's words are translated (the employer's name is data).
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    english = client.get(f"/employers/history?key={C}").get_data(as_text=True)
    section = english[english.index('id="employer-runs"'):english.index('id="employer-inspections"')]
    assert "Comparison runs" in section and "Uninsured employers" in section and "Now insured" in section
    assert not re.search(r"[\u4e00-\u9fff]", section)
    assert "Rectified (staff insured)" in english


def test_not_liable_at_notice_and_penalised_with_documents(county, client, tmp_path, app):
    _import_all(tmp_path)
    run = _run()
    client.login("county")
    inspection, case = _open(client, run, "东至县丁有限公司")
    row = open_task(case, "issue_notice")
    _claim(client, row)
    page = f"/inbox/tasks/{row.id}"
    missing = client.post(page, {"notice_decision": "not_liable", "notice_comment": ""}, token_from=page)
    assert missing.status_code == 200 and "必须写明理由" in missing.get_data(as_text=True)
    done = client.post(page, {"notice_decision": "not_liable", "notice_comment": "无雇工，个体经营"}, token_from=page)
    assert done.status_code == 302
    db.session.expire_all()
    inspection = db.session.get(EmployerInspection, inspection.id)
    assert (inspection.status, inspection.outcome) == ("closed", "not_liable")
    assert db.session.get(Case, case.id).status == "completed" and open_task(case, "recheck_employer") is None

    inspection, case = _open(client, run, "东至县辛培训学校")
    _notice(client, case)
    row = open_task(case, "recheck_employer")
    _claim(client, row)
    page = f"/inbox/tasks/{row.id}"
    refused = client.post(page, {"inspection_outcome": "penalised", "outcome_note": "逾期未改"}, token_from=page)
    assert "须上传处罚决定书" in refused.get_data(as_text=True)
    upload = f"/employers/inspections/{inspection.id}/documents"
    # A renamed text file and an oversized PDF are refused; a real PDF is kept.
    bad = client.post(upload, {"task_id": str(row.id), "file": (io.BytesIO(b"hello"), "决定书.pdf")}, token_from=page)
    assert bad.status_code == 302
    app.config["INSPECTION_DOCUMENT_MAX_BYTES"] = 1024
    big = client.post(upload, {"task_id": str(row.id), "file": (io.BytesIO(PDF + b"0" * 2048), "big.pdf")},
                      token_from=page)
    assert big.status_code == 302 and InspectionDocument.query.count() == 0
    good = client.post(upload, {"task_id": str(row.id), "file": (io.BytesIO(PDF), "处罚决定书.pdf")}, token_from=page)
    assert good.status_code == 302 and good.headers["Location"].endswith(page)
    document = InspectionDocument.query.one()
    assert (document.content_type, document.size, document.file_name) == ("application/pdf", len(PDF), "处罚决定书.pdf")
    html = client.get(page).get_data(as_text=True)
    assert "处罚决定书.pdf" in html
    assert client.get(f"/employers/documents/{document.id}").data == PDF
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="inspection-employer"' in case_page and "处罚决定书.pdf" in case_page
    done = client.post(page, {"inspection_outcome": "penalised", "outcome_note": "逾期未改，已处罚"}, token_from=page)
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(EmployerInspection, inspection.id).outcome == "penalised"
    # Township staff elsewhere and village assistants see none of it.
    client.logout()
    client.login("village1")
    assert client.get(f"/employers/documents/{document.id}").status_code in (403, 404)


def test_annual_check_list_and_tax_flag(county, client, tmp_path):
    _import_all(tmp_path)
    run = _run()
    client.login("county")
    listing = client.get("/employers/annual").get_data(as_text=True)
    active = {e.name for e in ComparisonEmployer.query.filter(ComparisonEmployer.run_id == run.id,
                                                              ComparisonEmployer.status != "not_target")}
    assert all(name in listing for name in active) and "东至县己有限公司" not in listing  # cancelled: not due
    page = f"/employers/history?key={C}"
    client.post("/employers/annual-check", {"key": C}, token_from=page)
    listing = client.get("/employers/annual").get_data(as_text=True)
    assert "东至县丙有限公司" not in listing
    sheet = load_workbook(io.BytesIO(client.get("/employers/annual.xlsx").data)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names == active - {"东至县丙有限公司"}

    response = client.post("/employers/tax-flag", {"key": C, "tax_flag": "y", "tax_flag_date": "2026-10-15",
                                                   "tax_flag_note": "税务部门函告未办理社保登记"}, token_from=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert 'id="tax-flag"' in html and "2026" in html
    runs_list = client.get(f"/intake/runs/{run.id}/employers").get_data(as_text=True)
    assert "2026" in runs_list[runs_list.index("东至县丙有限公司"):][:600]
    client.post("/employers/tax-flag", {"key": C, "tax_flag_date": "", "tax_flag_note": ""}, token_from=page)
    assert 'id="tax-flag"' not in client.get(page).get_data(as_text=True)
    actions = [e.action for e in AuditEvent.query.filter_by(object_type="employer").order_by(AuditEvent.id)]
    assert "employer_tax_flag" in actions and "employer_tax_flag_cleared" in actions
    assert "employer_annual_check" in actions
    # Only county staff set it.
    client.logout()
    client.login("agency")
    assert client.post("/employers/tax-flag", {"key": C, "tax_flag": "y", "tax_flag_date": "2026-10-15"},
                       token_from=page).status_code == 403


def test_run_opens_inspections_for_its_uninsured_once(county, client, tmp_path):
    _import_all(tmp_path)
    run = _run()
    client.login("county")
    page = f"/intake/runs/{run.id}/employers"
    client.post(f"/employers/runs/{run.id}/inspect", {"reason": "uninsured"}, token_from=page)
    assert EmployerInspection.query.count() == 3
    client.post(f"/employers/runs/{run.id}/inspect", {"reason": "uninsured"}, token_from=page)
    assert EmployerInspection.query.count() == 3  # one open inspection per employer
    listing = client.get("/employers/").get_data(as_text=True)
    assert "东至县丙有限公司" in listing and "东至县辛培训学校" in listing


def test_staff_counts_include_former_staff():
    from datetime import date as day

    from webapp.intake.employers import EmployerIndex, OrgRecord, compare_employers

    from .test_intake_employers import A, D

    index = EmployerIndex()
    index.add_chunk({"id_number": [P[0], P[1], P[2], P[2]], "employer_code": [A, A, D, A],
                     "employer": [None, None, None, None],
                     "enroll_status": ["active", "terminated", "terminated", "terminated"]})
    orgs = [OrgRecord("market_supervision", 2, A, "甲", status="active"),
            OrgRecord("market_supervision", 3, D, "丁", status="active"),
            OrgRecord("market_supervision", 4, C, "丙", cancel_date=day(2016, 1, 1))]
    got = [(o.status, o.insured_persons, o.staff_persons) for o in compare_employers(orgs, index)]
    assert got == [("insured", 1, 3), ("uninsured", 0, 1), ("not_target", 0, 0)]


def test_new_and_cancelled_organisations_of_the_year(county, tmp_path):
    from datetime import date as day

    _import_all(tmp_path)
    first = _run()
    row = ComparisonEmployer.query.filter_by(run_id=first.id, credit_code=C).one()
    row.register_date = day(2017, 3, 1)  # registered in the run's year
    db.session.commit()
    assert [r.name for r in inspections.candidates(first, "new")] == ["东至县丙有限公司"]
    cancelled = {r.name for r in inspections.candidates(first, "cancelled")}
    assert cancelled == {"东至县己有限公司", "东至县壬协会"}
    assert inspections.open_for_run(first, "cancelled", user("county"), limit=1) == (1, 1)
    assert inspections.open_for_run(first, "cancelled", user("county"), limit=1) == (1, 0)
    db.session.commit()
    assert {i.reason for i in EmployerInspection.query} == {"cancelled"}
    second = _second_run(tmp_path)
    assert inspections.candidates(second, "cancelled") == []  # already cancelled in the previous run


def test_employer_pages_are_role_and_area_scoped(county, make_client, tmp_path):
    _import_all(tmp_path)
    _run()
    township = make_client()
    township.login("township")
    # 丙's address names no township: only county roles see it; village assistants see no employers.
    assert township.get(f"/employers/history?key={C}").status_code == 404
    assert township.post("/employers/inspect", {"key": C}, token_from="/employers/").status_code == 403
    village = make_client()
    village.login("village1")
    assert village.get("/employers/annual").status_code == 403
    assert village.get(f"/employers/history?key={C}").status_code == 403
