"""Employers: uninsured enterprises and social organisations, from small hand-made files."""
import pytest
import io
import re
from datetime import date

from openpyxl import load_workbook

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.intake.employers import EmployerIndex, OrgRecord, compare_employers, normalize_org_name
from webapp.intake.validate import RowValidator
from webapp.intake.values import credit_code_check_char
from webapp.models import AuditEvent, ComparisonEmployer, ComparisonRun, ImportBatch, ValidationIssue
from webapp.services.intake import importing as intake_import, runs as intake_runs

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)


def _code(serial: int, prefix: str = "91") -> str:
    first17 = f"{prefix}341721MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


A, B, C, D, E, F, G, H, I = (_code(n) for n in range(1, 10))
P = [make_id("341721", date(1980, 1, n), 11) for n in range(1, 9)]
# A by code, B by a differently written name, C nobody, D only a terminated row, E by code under a
# short name, F cancelled (rows or not), G (civil) by name because the row's code is malformed.
SI = ("身份证号,姓名,险种,参保状态,单位名称,单位统一社会信用代码\n"
      f"{P[0]},甲一,企业职工基本养老保险,正常参保,东至县甲公司,{A}\n"
      f"{P[1]},乙二,职工医保,正常参保,东至县乙（集团）有限公司 ,\n"
      f"{P[2]},丙三,企业职工基本养老保险,终止参保,东至县丁有限公司,{D}\n"
      f"{P[3]},丁四,职工医保,正常参保,戊简称,{E}\n"
      f"{P[4]},戊五,职工医保,暂停缴费,东至县己有限公司,{F}\n"
      f"{P[5]},己六,职工医保,正常参保,东至县尧渡镇 庚协会,{G[:17]}\n"
      f"{P[6]},庚七,城乡居民养老保险,正常参保,,\n")
MARKET = ("统一社会信用代码,企业名称,企业类型,法定代表人,成立日期,登记状态,注销日期,住所\n"
          f"{A},东至县甲公司,有限责任公司,张三,2010-01-01,存续,,东至县尧渡镇城东社区\n"
          f"{B},东至县乙(集团)有限公司,有限责任公司,李四,2011-01-01,在业,,东至县东流镇\n"
          f"{C},东至县丙有限公司,有限责任公司,王五,2012-01-01,存续,,东至县\n"
          f"{D},东至县丁有限公司,有限责任公司,赵六,2013-01-01,存续,,东至县尧渡镇\n"
          f"{E},东至县戊有限公司,有限责任公司,钱七,2014-01-01,开业,,\n"
          f"{F},东至县己有限公司,有限责任公司,孙八,2015-01-01,注销,2016-05-01,东至县\n")
CIVIL = ("统一社会信用代码,社会组织名称,组织类型,法定代表人,登记日期,登记状态,注销日期,住所\n"
         f"{_code(7, '51')},东至县尧渡镇庚协会,社会团体,周九,2009-03-01,正常,,东至县尧渡镇\n"
         f"{_code(8, '52')},东至县辛培训学校,民办非企业单位,吴十,2009-03-01,正常,,东至县\n"
         f"{_code(9, '51')},东至县壬协会,社会团体,郑一,2009-03-01,撤销,2016-01-01,东至县\n")
EXPECTED = {"东至县甲公司": ("insured", "by_code"), "东至县乙(集团)有限公司": ("insured", "by_name"),
            "东至县丙有限公司": ("uninsured", "no_enrollment"), "东至县丁有限公司": ("uninsured", "terminated_only"),
            "东至县戊有限公司": ("insured", "by_code"), "东至县己有限公司": ("not_target", "cancelled"),
            "东至县尧渡镇庚协会": ("insured", "by_name"), "东至县辛培训学校": ("uninsured", "no_enrollment"),
            "东至县壬协会": ("not_target", "cancelled")}


def test_names_are_compared_normalised():
    assert normalize_org_name(" 东至县乙（集团）有限公司\u3000") == "东至县乙(集团)有限公司"
    assert normalize_org_name("东至县 化工００１２〔分公司〕") == normalize_org_name("东至县化工0012(分公司)")
    assert normalize_org_name("abc 科技") == "ABC科技"
    assert normalize_org_name("  ") is None and normalize_org_name(None) is None


def test_index_and_comparison_without_a_database():
    index = EmployerIndex()
    index.add_chunk({"id_number": [P[0], None, P[2], P[3]], "employer_code": [A, None, D, None],
                     "employer": ["东至县甲公司", "东至县乙（集团）有限公司", None, None],
                     "enroll_status": ["active", None, "terminated", "active"]})
    index.add_chunk({"id_number": [P[4]], "employer": ["东至县甲公司 "]})  # no code column at all
    index.add_chunk({"id_number": [P[5]], "scheme": ["resident_pension"]})  # no employer columns
    orgs = [OrgRecord("market_supervision", 2, A, "东至县甲公司", status="active"),
            OrgRecord("market_supervision", 3, None, "东至县乙(集团)有限公司"),  # unreadable code: name
            OrgRecord("market_supervision", 4, C, "东至县丙有限公司", status="active"),
            OrgRecord("market_supervision", 5, D, "东至县丁有限公司", status="active"),
            OrgRecord("civil_affairs", 2, B, "东至县甲公司", cancel_date=date(2016, 1, 1)),
            OrgRecord("civil_affairs", 3, E, "东至县戊协会", status="cancelled")]
    got = [(o.status, o.reason, o.insured_persons) for o in compare_employers(orgs, index)]
    assert got == [("insured", "by_code", 2), ("insured", "by_name", 0), ("uninsured", "no_enrollment", 0),
                   ("uninsured", "terminated_only", 0), ("not_target", "cancelled", 0),
                   ("not_target", "cancelled", 0)]


def test_a_bad_employer_code_only_warns_but_a_bad_org_code_is_an_error():
    si = RowValidator("social_insurance", {"身份证号": "id_number", "单位统一社会信用代码": "employer_code"})
    chunk = si.validate_chunk([2, 3], [[P[0], G[:17]], [P[1], G]])
    assert chunk.columns["employer_code"] == [None, G]
    assert [(i.row, i.severity, i.code) for i in chunk.issues] == [(2, "warning", "credit_code")]
    market = RowValidator("market_supervision", {"统一社会信用代码": "credit_code", "企业名称": "org_name"})
    chunk = market.validate_chunk([2], [[G[:17], "东至县某公司"]])
    assert [(i.severity, i.code) for i in chunk.issues] == [("error", "credit_code")]


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def import_all(tmp_path, si=SI):
    for name, source, text, encoding in (("si.csv", "social_insurance", si, "utf-8"),
                                         ("market.csv", "market_supervision", MARKET, "utf-8-sig"),
                                         ("civil.csv", "civil_affairs", CIVIL, "gbk")):
        outcome = intake_import.import_file(_write(tmp_path, name, text, encoding), source, today=AS_OF)
        assert outcome.status in ("imported", "duplicate"), outcome.message
        db.session.commit()


def run_employers():
    run = intake_runs.create_run("341721", as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return run


def test_run_compares_employers_and_diffs_them(county, tmp_path):
    import_all(tmp_path)
    si_batch = ImportBatch.query.filter_by(source="social_insurance").one()
    assert si_batch.rows_with_errors == 0  # the malformed employer code is a warning
    assert ValidationIssue.query.filter_by(batch_id=si_batch.id, code="credit_code").one().severity == "warning"
    run = run_employers()
    rows = {e.name: e for e in ComparisonEmployer.query.filter_by(run_id=run.id)}
    assert {name: (e.status, e.reason) for name, e in rows.items()} == EXPECTED
    assert rows["东至县甲公司"].township_code == "341721100000"  # 尧渡镇, from the address
    assert rows["东至县丙有限公司"].township_code is None and rows["东至县甲公司"].insured_persons == 1
    assert (run.counts["employers"], run.counts["employers_uninsured"], run.counts["employers_insured"],
            run.counts["employers_not_target"]) == (9, 3, 4, 2)
    assert run.counts["employers_uninsured:civil_affairs"] == 1
    assert all(e.change is None for e in rows.values())

    # The next round: 甲 no longer enrolls anyone, 丙 has enrolled someone.
    intake_import.retire_batch(si_batch, "新一轮社保数据")
    db.session.commit()
    lines = SI.splitlines(keepends=True)
    import_all(tmp_path, "".join(lines[:1] + lines[2:]) + f"{P[7]},辛八,职工医保,正常参保,东至县丙有限公司,\n")
    second = run_employers()
    assert {k: v for k, v in second.diff_counts.items() if k.startswith("employers_")} == {
        "employers_new_uninsured": 1, "employers_now_insured": 1}
    changed = {e.name: e.change for e in ComparisonEmployer.query.filter_by(run_id=second.id) if e.change}
    assert changed == {"东至县甲公司": "new_uninsured", "东至县丙有限公司": "now_insured"}
    # Running a run again replaces its rows.
    second.status = "running"
    db.session.commit()
    intake_runs.run_comparison(second.id)
    assert ComparisonEmployer.query.filter_by(run_id=second.id).count() == 9


def test_employer_pages_and_export(county, client, tmp_path):
    import_all(tmp_path)
    run = run_employers()
    client.login("agency")
    page = client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    assert 'id="employer-counts"' in page and f"/intake/runs/{run.id}/employers?status=uninsured" in page
    listing = client.get(f"/intake/runs/{run.id}/employers").get_data(as_text=True)
    assert "东至县丙有限公司" in listing and "东至县丁有限公司" in listing and "东至县辛培训学校" in listing
    assert "东至县甲公司" not in listing and "仅有终止参保记录" in listing
    civil = client.get(f"/intake/runs/{run.id}/employers?source=civil_affairs").get_data(as_text=True)
    assert "东至县辛培训学校" in civil and "东至县丙有限公司" not in civil
    cancelled = client.get(f"/intake/runs/{run.id}/employers?status=not_target").get_data(as_text=True)
    assert "东至县己有限公司" in cancelled and "东至县丙有限公司" not in cancelled

    export = client.get(f"/intake/runs/{run.id}/employers.xlsx?status=uninsured&source=market_supervision")
    sheet = load_workbook(io.BytesIO(export.data)).active
    assert [c.value for c in sheet[1]][:3] == ["单位名称", "统一社会信用代码", "来源"]
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["东至县丁有限公司",
                                                                                       "东至县丙有限公司"]
    assert AuditEvent.query.filter_by(action="export", object_type="comparison_employers").count() == 1

    # English labels.
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    listing = client.get(f"/intake/runs/{run.id}/employers").get_data(as_text=True)
    assert "Uninsured employers" in listing and "Only terminated enrollments" in listing
    page = client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    section = page[page.index('id="employers"'):page.index("</section>", page.index('id="employers"'))]
    assert "(enterprises 2, social organisations 1)" in section and not re.search(r"[\u4e00-\u9fff]", section)
    headers = [c.value for c in load_workbook(io.BytesIO(
        client.get(f"/intake/runs/{run.id}/employers.xlsx").data)).active[1]]
    assert headers[:3] == ["Name", "Unified social credit code", "Source"]


def test_employer_pages_are_role_and_area_scoped(county, make_client, tmp_path):
    import_all(tmp_path)
    run = run_employers()
    other = ComparisonRun(status="done", county_code="341722", as_of=AS_OF, batch_ids=[], counts={})
    db.session.add(other)
    db.session.commit()
    for username, status in (("supervisor", 200), ("county", 200), ("township", 403), ("village1", 403),
                             ("gongan", 403)):
        client = make_client()
        client.login(username)
        for url in (f"/intake/runs/{run.id}/employers", f"/intake/runs/{run.id}/employers.xlsx"):
            assert client.get(url).status_code == status, (username, url)
    client = make_client()
    client.login("agency")
    assert client.get(f"/intake/runs/{other.id}/employers").status_code == 404
    assert client.get(f"/intake/runs/{other.id}/employers.xlsx").status_code == 404
