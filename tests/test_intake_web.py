"""The intake pages: upload, mapping, report, run, results, actions, linkage, problem tasks."""
import pytest
import io
import re
from datetime import date

from openpyxl import load_workbook

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import Case, ComparisonRun, ImportBatch, LinkageCandidate, ProblemRecord

from .helpers import open_task

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

ADULT = make_id("341721", date(1977, 3, 1), 11)
BARE = make_id("341721", date(1980, 1, 2), 13)
TWICE = make_id("341721", date(1970, 1, 1), 19)
REGISTER = ("户号,姓名,公民身份号码,户籍地址,人员状态,出生日期,村(社区)代码\r\n"
            f"1000010001,甲一,{ADULT},东至县尧渡镇,正常,1977-03-01,341721100001\r\n"
            f"1000010002,乙二,{BARE},东至县尧渡镇,正常,1980/1/2,341721100001\r\n"
            f"1000010003,丙三,{TWICE},东至县尧渡镇,正常,19700101,341721100001\r\n"
            f"1000010004,丁四,{BARE[:17]}3,东至县尧渡镇,正常,1980-01-02,341721100001\r\n")
WRONG_CHECK = ADULT[:17] + ("0" if ADULT[17] != "0" else "1")
ENROLLMENT = ("身份证号,姓名,险种\n" f"{ADULT},甲一,企业职工基本养老保险\n{ADULT},甲一,职工医保\n"
              f"{TWICE},丙三,城乡居民养老保险\n{TWICE},丙三,企业职工养老保险\n{TWICE},丙三,新农合\n"
              f"{WRONG_CHECK},甲一,失业保险\n")


def upload_file(client, source, name, content):
    return client.post("/intake/upload", {"source": source, "file": (io.BytesIO(content), name)},
                       token_from="/intake/", content_type="multipart/form-data")


def test_upload_report_run_and_act(county, client):
    client.login("agency")
    response = upload_file(client, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    assert response.status_code == 302
    batch = ImportBatch.query.one()
    page = client.get(f"/intake/batches/{batch.id}").get_data(as_text=True)
    assert "校验位错误" in page and "已导入" in page
    report = client.get(f"/intake/batches/{batch.id}/report.xlsx")
    sheet = load_workbook(io.BytesIO(report.data)).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "值", "问题", "级别"]
    assert sheet[2][0].value == 5 and sheet[2][1].value == "公民身份号码"
    assert upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8")).status_code == 302
    # The same file again is recognised.
    upload_file(client, "social_insurance", "again.csv", ENROLLMENT.encode("utf-8"))
    assert ImportBatch.query.count() == 2

    response = client.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    assert response.headers["Location"].endswith(f"/intake/runs/{run.id}") and run.status == "done"
    page = client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    assert "未参保" in page and "重复参加基本养老保险" in page
    assert client.get(f"/intake/runs/{run.id}/progress.json").json["status"] == "done"
    listing = client.get(f"/intake/runs/{run.id}/results?status=uninsured").get_data(as_text=True)
    assert BARE not in listing and BARE[:6] + "********" + BARE[-4:] in listing
    export = client.get(f"/intake/runs/{run.id}/results.xlsx?status=uninsured")
    assert load_workbook(io.BytesIO(export.data)).active.max_row == 2

    # The enrollment row with a wrong check character is probably 甲一 (same name, same first 17 digits).
    candidate = LinkageCandidate.query.filter_by(run_id=run.id).one()
    assert candidate.candidate_id_number == ADULT
    client.post(f"/intake/candidates/{candidate.id}/decide", {"decision": "confirm"},
                token_from=f"/intake/runs/{run.id}/candidates")
    db.session.expire_all()
    assert db.session.get(LinkageCandidate, candidate.id).status == "confirmed"

    client.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    client.post(f"/intake/runs/{run.id}/act/registration_cases", {}, token_from=f"/intake/runs/{run.id}")
    assert Case.query.filter_by(kind="problem").count() == 3  # two unusable IDs, one duplicate pension
    assert Case.query.filter(Case.kind == "registration", Case.title.contains("1000010002")).count() == 1


def test_problem_case_is_worked_to_resolution(county, client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    client.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    client.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    record = ProblemRecord.query.filter_by(problem_type="duplicate_pension").one()
    case = db.session.get(Case, record.case_id)
    for task, data in (("investigate_problem", {"investigation_note": "企业和居民养老同时缴费"}),
                       ("resolve_problem", {"problem_outcome": "contribution_stopped",
                                            "resolution_note": "已停止城乡居民养老缴费"})):
        row = open_task(case, task)
        page = f"/inbox/tasks/{row.id}"
        assert "重复参加养老保险" in client.get(page).get_data(as_text=True)
        client.post(f"{page}/claim", token_from="/inbox?view=team")
        response = client.post(page, data, token_from=page)
        assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    record = db.session.get(ProblemRecord, record.id)
    assert (record.status, record.outcome) == ("resolved", "contribution_stopped")


def test_unknown_headers_go_to_the_mapping_page(county, client):
    client.login("agency")
    content = f"人员编号,人员名称,险种\n{ADULT},甲一,职工医保\n".encode("utf-8")
    response = upload_file(client, "social_insurance", "odd.csv", content)
    location = response.headers["Location"]
    batch = ImportBatch.query.one()
    assert location.endswith(f"/intake/batches/{batch.id}/mapping") and batch.status == "needs_mapping"
    assert "待映射" in client.get("/intake/").get_data(as_text=True)
    page = client.get(location).get_data(as_text=True)
    assert "人员编号" in page and "缺少必需的列" in page
    fields = dict(re.findall(r'<tr data-header="([^"]+)" data-input="([^"]+)"', page))
    response = client.post(location, {fields["人员编号"]: "id_number", fields["人员名称"]: "name"}, token_from=location)
    assert response.status_code == 302
    db.session.expire_all()
    assert ImportBatch.query.one().status == "imported"


def test_data_provider_uploads_only_their_department(county, client):
    client.login("gongan")
    upload_file(client, "health", "h.csv", f"身份证号,姓名\n{ADULT},甲一\n".encode("utf-8"))
    assert ImportBatch.query.count() == 0
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("gbk"))
    assert ImportBatch.query.count() == 1
    assert client.post("/intake/runs", {}, token_from="/intake/").status_code == 403
    assert client.get("/intake/runs/1").status_code == 403


def test_a_working_run_says_what_it_is_doing_in_the_users_language(county, client):
    run = ComparisonRun(status="running", stage="linkage", county_code="341721", as_of=date(2017, 6, 30),
                        batch_ids=[], progress_done=0, progress_total=0)
    db.session.add(run)
    db.session.commit()
    client.login("agency")
    assert "查找疑似同一人" in client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    assert client.get(f"/intake/runs/{run.id}/progress.json").json["stage"] == "查找疑似同一人"
    client.post("/language/en", {"next": "/intake/"}, token_from="/intake/")
    assert client.get(f"/intake/runs/{run.id}/progress.json").json["stage"] == "Looking for possible same persons"
