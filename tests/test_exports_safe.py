"""Every Excel export goes through one writer: no cell is ever a formula, no full ID number leaves.

A department file carries the attack (names and addresses that Excel would run as formulas,
ID numbers in free text, an ID with a wrong check digit); each export a user can download is
then opened with openpyxl and searched cell by cell.
"""
import pytest
import io
from datetime import date

from openpyxl import load_workbook

from webapp.idnumber import make_id, mask_id
from webapp.intake.values import credit_code_check_char
from webapp.models import Case, ComparisonRun, ImportBatch

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

ADULT = make_id("341721", date(1977, 3, 1), 11)
BARE = make_id("341721", date(1980, 1, 2), 13)
OTHER = make_id("341721", date(1985, 5, 5), 17)
WRONG_CHECK = BARE[:17] + ("0" if BARE[17] != "0" else "1")  # the real ID is one computation away
SHORT = OTHER[:17]  # a digit missing
HYPERLINK = '=HYPERLINK("http://x","click")'
QUOTED = '"' + HYPERLINK.replace('"', '""') + '"'  # as CSV writes it
ATTACKS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+2", "\r=1+2"]
FULL_IDS = [ADULT, BARE, OTHER, WRONG_CHECK, SHORT]
REGISTER = ("户号,姓名,公民身份号码,户籍地址,人员状态,村(社区)代码\r\n"
            f"1000010001,{QUOTED},{ADULT},东至县尧渡镇,正常,341721100001\r\n"
            f"1000010002,+1+1,{BARE},=1+1 东至县尧渡镇 {OTHER},正常,341721100001\r\n"
            f"1000010003,-2+3,{WRONG_CHECK},@SUM(A1:A9),正常,341721100001\r\n"
            f"1000010004,丁四,{SHORT},东至县,正常,341721100001\r\n")
ENROLLMENT = f"身份证号,姓名,险种\n{ADULT},{QUOTED},企业职工基本养老保险\n"


def _credit_code(serial):
    first17 = f"91341721MA{serial:07d}"
    return first17 + credit_code_check_char(first17)


CODE = _credit_code(1)
MARKET = ("统一社会信用代码,企业名称,企业类型,法定代表人,成立日期,登记状态,住所\n"
          f"{CODE},=cmd|' /C calc'!A0,有限责任公司,+张三,2010-01-01,存续,-东至县尧渡镇\n")


def _upload(client, source, name, content):
    return client.post("/intake/upload", {"source": source, "file": (io.BytesIO(content), name)},
                       token_from="/intake/", content_type="multipart/form-data")


def _cells(response):
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_safe(cells, where):
    formulas = [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not formulas, f"{where}: formula cells {formulas}"
    texts = [str(cell.value) for cell in cells if cell.value is not None]
    leaked = [full for full in FULL_IDS for text in texts if full in text]
    assert not leaked, f"{where}: full ID numbers {leaked}"
    return texts


def test_every_export_writes_text_as_text_and_masks_every_id(county, client):
    client.login("agency")
    assert _upload(client, "public_security", "户籍.csv", REGISTER.encode("gbk")).status_code == 302
    assert _upload(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8")).status_code == 302
    assert _upload(client, "market_supervision", "企业.csv", MARKET.encode("utf-8")).status_code == 302
    batches = ImportBatch.query.order_by(ImportBatch.id).all()
    assert [b.status for b in batches] == ["imported"] * 3
    client.post("/intake/runs", {}, token_from="/intake/")
    run = ComparisonRun.query.one()
    assert run.status == "done"
    client.post(f"/intake/runs/{run.id}/act/problem_cases", {}, token_from=f"/intake/runs/{run.id}")
    client.post(f"/intake/runs/{run.id}/act/registration_cases", {}, token_from=f"/intake/runs/{run.id}")
    client.post(f"/intake/runs/{run.id}/act/confirm", {}, token_from=f"/intake/runs/{run.id}")
    # The problem cases for the unusable IDs exist: their titles quote what the file said.
    assert Case.query.filter_by(kind="problem").count() >= 2

    exports = {
        "report.xlsx": f"/intake/batches/{batches[0].id}/report.xlsx",
        "results.xlsx": f"/intake/runs/{run.id}/results.xlsx",
        "employers.xlsx": f"/intake/runs/{run.id}/employers.xlsx",
        "persons.xlsx": "/registry/persons/export.xlsx",
        "cases.xlsx": "/cases/export.xlsx",
    }
    texts = {name: _assert_safe(_cells(client.get(url)), name) for name, url in exports.items()}

    # The attack text is still there, exactly as typed, only as text.
    assert HYPERLINK in texts["results.xlsx"] and "+1+1" in texts["results.xlsx"]
    assert HYPERLINK in texts["persons.xlsx"]
    assert "=cmd|' /C calc'!A0" in texts["employers.xlsx"] and "+张三" in texts["employers.xlsx"]
    assert CODE in texts["employers.xlsx"]  # a credit code is an organisation's, not masked
    # The report names the bad IDs masked: the uploader still finds the row and the column.
    assert mask_id(WRONG_CHECK) in texts["report.xlsx"] and mask_id(SHORT) in texts["report.xlsx"]
    assert any(text.startswith("=1+1 东至县尧渡镇 ") for text in texts["results.xlsx"])


def test_the_writer_quote_prefixes_formula_starts_and_masks_id_runs(app):
    from webapp.exports import mask_ids_in_text, write_xlsx

    buffer = io.BytesIO()
    rows = [[text, f"见 {ADULT} 号", WRONG_CHECK, int(ADULT[:17] + "1"), 12, "x\x00y"] for text in ATTACKS]
    write_xlsx(buffer, "t", ["a", "b", "c", "d", "e", "f"], rows, id_columns=(2,))
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    body = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in body] == ATTACKS
    assert all(row[0].data_type == "s" and row[0].quotePrefix for row in body)
    assert body[0][1].value == f"见 {mask_ids_in_text(ADULT)} 号" == f"见 {ADULT[:6]}********{ADULT[-4:]} 号"
    assert body[0][2].value == f"{WRONG_CHECK[:6]}********{WRONG_CHECK[-4:]}"
    as_number = ADULT[:17] + "1"
    assert body[0][3].value == as_number[:6] + "********" + as_number[-4:]
    assert (body[0][4].value, body[0][5].value) == (12, "xy")
