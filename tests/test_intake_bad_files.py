"""Department files as careless exports make them: NUL bytes, bad bytes, twin headers, absurd sizes.

Each file is imported into the real database (SQLite, or PostgreSQL with TEST_DATABASE_URL,
where NUL used to break COPY) and a comparison run follows where the data goes on.
"""
import io
import zipfile
from datetime import date

import pytest

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.intake.readers import TableReader, detect_encoding
from webapp.models import ComparisonResult, ImportBatch, ValidationIssue
from webapp.services.intake import importing as intake_import, runs as intake_runs

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)
ADULT = make_id("341721", date(1977, 3, 1), 11)
BARE = make_id("341721", date(1980, 1, 2), 13)
HEADER = "户号,姓名,公民身份号码,户籍地址,人员状态,村(社区)代码\r\n"


def _import(path, source="public_security"):
    outcome = intake_import.import_file(path, source, today=AS_OF)
    db.session.commit()
    return outcome


def _run():
    run = intake_runs.create_run("341721", as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return run


def _issues(batch, code):
    return [(i.row_number, i.column_name, i.severity) for i in
            ValidationIssue.query.filter_by(batch_id=batch.id, code=code).order_by(ValidationIssue.row_number)]


def _xlsx(sheet_rows_xml: str, shared: list[str] | None = None) -> bytes:
    """A minimal workbook written part by part, so a test can put in what openpyxl would refuse."""
    buffer = io.BytesIO()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                                            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        if shared is not None:
            items = "".join(f"<si><t>{text}</t></si>" for text in shared)
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{items}</sst>'.encode())
        archive.writestr("xl/worksheets/sheet1.xml",
                         f'<worksheet xmlns="{main}"><sheetData>{sheet_rows_xml}</sheetData></worksheet>'.encode())
    return buffer.getvalue()


def _inline_row(number, values):
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


# -- NUL and other control characters -------------------------------------------------------------------------

def test_nul_and_control_characters_are_stripped_reported_and_the_run_succeeds(app, tmp_path):
    path = tmp_path / "户籍.csv"
    path.write_bytes((HEADER + f"1,甲\x00一,{ADULT},东至县\x01尧渡镇,正常,341721100001\r\n"
                      f"2,乙二,{BARE}\x00,东至县\x1b尧渡镇\x7f,正常,341721100001\r\n").encode("gb18030"))
    outcome = _import(path)
    assert outcome.status == "imported", outcome.message
    assert _issues(outcome.batch, "control_chars") == [
        (2, "姓名", "warning"), (2, "户籍地址", "warning"), (3, "公民身份号码", "warning"), (3, "户籍地址", "warning")]
    assert "控制字符" in ValidationIssue.query.filter_by(code="control_chars").first().problem

    run = _run()  # PostgreSQL refused the NUL in COPY and every later run failed
    assert run.status == "done"
    names = {r.id_number: r.name for r in ComparisonResult.query.filter_by(run_id=run.id)}
    assert names == {ADULT: "甲一", BARE: "乙二"}


def test_control_bytes_inside_an_xlsx_sheet_are_stripped_and_reported(app, tmp_path):
    rows = _inline_row(1, ["户号", "姓名", "公民身份号码"]) + _inline_row(2, ["1", "甲\x00一", ADULT])
    path = tmp_path / "户籍.xlsx"
    path.write_bytes(_xlsx(rows))
    outcome = _import(path)
    assert outcome.status == "imported", outcome.message
    assert _issues(outcome.batch, "control_chars") == [(2, "姓名", "warning")]
    assert _run().status == "done"
    assert ComparisonResult.query.one().name == "甲一"


def test_a_run_survives_a_nul_already_stored_by_an_earlier_import(app, tmp_path):
    """Chunks stored before the reader cleaned values still hold NUL: the run reads around it."""
    from webapp.intake.chunks import decode_chunk, encode_chunk
    from webapp.models import IntakeChunk

    path = tmp_path / "户籍.csv"
    path.write_text(HEADER + f"1,甲一,{ADULT},东至县,正常,341721100001\r\n", encoding="utf-8")
    batch = _import(path).batch
    stored = IntakeChunk.query.filter_by(batch_id=batch.id).one()
    chunk = decode_chunk(batch.source, stored.payload)
    chunk.columns["name"][0] = "甲\x00一"
    chunk.columns["household_no"][0] = "1\\u0000"  # text that only looks like JSON's NUL escape
    stored.payload = encode_chunk(batch.source, chunk)
    db.session.commit()
    run = _run()
    assert run.status == "done"
    result = ComparisonResult.query.filter_by(run_id=run.id).one()
    assert (result.name, result.household_no) == ("甲一", "1\\u0000")


# -- encodings ----------------------------------------------------------------------------------------------------

def test_gbk_file_with_a_few_bad_bytes_is_read_as_gb18030_and_the_rows_are_named(app, tmp_path):
    lines = [HEADER.encode("gbk")] + [f"{n},张{n}号,{make_id('341721', date(1980, 1, n), 11)},东至县尧渡镇,正常,"
                                      "341721100001\r\n".encode("gbk") for n in range(1, 21)]
    # Three bytes no GBK/GB18030 decoder accepts, in the names of rows 4, 9 and 15.
    for row in (4, 9, 15):
        lines[row - 1] = lines[row - 1].replace("号".encode("gbk"), b"\xff", 1)
    path = tmp_path / "户籍.csv"
    path.write_bytes(b"".join(lines))
    assert detect_encoding(path) == "gb18030"
    outcome = _import(path)
    assert outcome.status == "imported", outcome.message  # every header read right: no mapping asked
    assert outcome.batch.encoding == "gb18030"
    assert _issues(outcome.batch, "undecodable") == [(4, "姓名", "warning"), (9, "姓名", "warning"),
                                                     (15, "姓名", "warning")]
    issue = ValidationIssue.query.filter_by(code="undecodable").first()
    assert "无法按 gb18030 解码" in issue.problem and issue.value == "张3\ufffd"


def test_the_batch_page_lists_the_rows_with_undecodable_bytes(county, client):
    client.login("agency")
    content = (HEADER.encode("gbk") + f"1,张三,{ADULT},东至县,正常,341721100001\r\n".encode("gbk")
               + f"2,李四,{BARE},东至县,正常,341721100001\r\n".encode("gbk").replace("四".encode("gbk"), b"\x81\x20"))
    client.post("/intake/upload", {"source": "public_security", "file": (io.BytesIO(content), "户籍.csv")},
                token_from="/intake/", content_type="multipart/form-data")
    batch = ImportBatch.query.one()
    assert batch.status == "imported"
    page = client.get(f"/intake/batches/{batch.id}").get_data(as_text=True)
    assert "无法按 gb18030 解码" in page and "<td>3</td>" in page


def test_a_file_of_mostly_undecodable_bytes_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n" + b"\x80\xff" * 500)
    from webapp.intake.readers import ReadError

    with pytest.raises(ReadError, match="无法识别文件编码"):
        TableReader(path)


# -- duplicate headers ----------------------------------------------------------------------------------------------

def test_duplicate_headers_are_refused_with_the_column_letters(app, tmp_path):
    path = tmp_path / "户籍.csv"
    path.write_text("户号,公民身份号码,姓名,户籍地址,人员状态,姓名\n"
                    f"1,{ADULT},张三,东至县,正常,李四\n", encoding="utf-8")
    outcome = _import(path)
    assert outcome.status == "rejected"
    assert "列 C 和 F 的表头都是“姓名”" in outcome.message
    assert outcome.batch.reject_reason == outcome.message
    assert ImportBatch.query.one().status == "rejected"


def test_duplicate_headers_in_an_xlsx_name_every_column(app, tmp_path):
    path = tmp_path / "户籍.xlsx"
    path.write_bytes(_xlsx(_inline_row(1, ["姓名", "公民身份号码", " 姓名", "住址", "姓名"])
                           + _inline_row(2, ["张三", ADULT, "李四", "东至县", "王五"])))
    outcome = _import(path)
    assert outcome.status == "rejected" and "列 A、C 和 E 的表头都是“姓名”" in outcome.message


# -- limits that do not need a big file ----------------------------------------------------------------------

def test_a_csv_cell_over_the_limit_is_refused_naming_the_limit(app, tmp_path):
    path = tmp_path / "户籍.csv"
    path.write_text(HEADER + f'1,张三,{ADULT},"{"东" * 32_768}",正常,341721100001\n',
                    encoding="utf-8")
    outcome = _import(path)
    assert outcome.status == "rejected"
    assert "第 2 行" in outcome.message and "32,767" in outcome.message


def test_an_xlsx_cell_far_to_the_right_is_refused_not_padded(app, tmp_path):
    rows = (_inline_row(1, ["户号", "姓名", "公民身份号码"]) + _inline_row(2, ["1", "张三", ADULT])
            + '<row r="3"><c r="ZZZZ3" t="inlineStr"><is><t>x</t></is></c></row>')
    path = tmp_path / "户籍.xlsx"
    path.write_bytes(_xlsx(rows))
    outcome = _import(path)
    assert outcome.status == "rejected" and "第 3 行超过 512 列的上限" in outcome.message


def test_styled_empty_cells_out_to_column_xfd_are_fine(app, tmp_path):
    rows = (_inline_row(1, ["户号", "姓名", "公民身份号码"]).replace("</row>", '<c r="XFD1" s="1"/></row>')
            + _inline_row(2, ["1", "张三", ADULT]))
    path = tmp_path / "户籍.xlsx"
    path.write_bytes(_xlsx(rows))
    assert _import(path).status == "imported"


def test_rows_over_the_limit_are_refused(app, tmp_path, monkeypatch):
    from webapp.intake import limits

    monkeypatch.setattr(limits, "MAX_ROWS", 3)
    csv_path = tmp_path / "户籍.csv"
    csv_path.write_text(HEADER + "".join(f"{n},张三,{ADULT},东至县,正常,341721100001\n" for n in range(4)),
                        encoding="utf-8")
    assert "超过 3 行的上限" in _import(csv_path).message
    xlsx_path = tmp_path / "户籍.xlsx"
    xlsx_path.write_bytes(_xlsx(_inline_row(1, ["户号", "姓名", "公民身份号码"])
                                + '<row r="9"><c r="A9"><v>1</v></c></row>'))
    assert "超过 3 行的上限" in _import(xlsx_path).message


def test_broken_sheet_xml_and_huge_numbers_are_refused_or_kept_not_crashing(app, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_xlsx(_inline_row(1, ["户号", "姓名", "公民身份号码"]) + "<row r='2'><c"))
    outcome = _import(broken)
    assert outcome.status == "rejected" and "XML 格式错误" in outcome.message
    numbers = tmp_path / "numbers.xlsx"
    numbers.write_bytes(_xlsx(_inline_row(1, ["户号", "姓名", "公民身份号码"])
                              + f'<row r="2"><c r="A2"><v>{"9" * 5000}</v></c>'
                              f'<c r="B2" t="inlineStr"><is><t>张三</t></is></c>'
                              f'<c r="C2" t="inlineStr"><is><t>{ADULT}</t></is></c></row>'))
    assert _import(numbers).status == "imported"
    torn = tmp_path / "torn.xlsx"
    torn.write_bytes(_xlsx(_inline_row(1, ["户号", "姓名", "公民身份号码"]))[:200])
    outcome = _import(torn)
    assert outcome.status == "rejected" and "压缩包已损坏" in outcome.message


def test_a_compressed_bomb_is_refused_before_it_is_extracted(app, tmp_path, monkeypatch):
    from webapp.intake import limits

    monkeypatch.setattr(limits, "RATIO_CHECKED_ABOVE", 1 << 20)
    rows = _inline_row(1, ["户号", "姓名", "公民身份号码"]) + _inline_row(2, ["1", "张三", ADULT]) * 40_000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_xlsx(rows))
    outcome = _import(path)
    assert outcome.status == "rejected" and "压缩比异常" in outcome.message and "150 倍" in outcome.message


def test_overlong_values_do_not_fail_the_run_or_the_work_after_it(county, tmp_path):
    """Cells far longer than any column (a 100-digit household number, a 3,000-character address)."""
    from webapp.intake.values import credit_code_check_char
    from webapp.models import ComparisonEmployer
    from webapp.services.intake import problems as intake_problems, work as intake_work

    path = tmp_path / "户籍.csv"
    path.write_text("户号,姓名,公民身份号码,户籍地址,村(社区)代码,与户主关系,现住址,联系电话\n"
                    f"{'1' * 100},{'甲' * 300},{ADULT},{'东' * 3000},341721100001,户主,{'现' * 3000},{'1' * 400}\n"
                    f"{'2' * 100},{'乙' * 300},{BARE[:17]}X,{'东' * 3000},341721100001,户主,{'现' * 3000},"
                    f"{'1' * 400}\n", encoding="utf-8")
    assert _import(path).status == "imported"
    code = "91341721MA0000001" + credit_code_check_char("91341721MA0000001")
    market = tmp_path / "企业.csv"
    market.write_text("统一社会信用代码,企业名称,企业类型,法定代表人,住所\n"
                      f"{code},{'企' * 3000},{'类' * 500},{'法' * 500},{'住' * 3000}\n", encoding="utf-8")
    assert _import(market, "market_supervision").status == "imported"
    run = _run()  # PostgreSQL refused the household number in COPY: 'value too long'
    assert run.status == "done"
    result = ComparisonResult.query.filter_by(run_id=run.id, id_number=ADULT).one()
    assert result.household_no.startswith("1" * 32) and result.name.startswith("甲甲")  # cut on PostgreSQL
    assert ComparisonEmployer.query.filter_by(run_id=run.id).one().name.startswith("企企")
    intake_problems.start_problem_cases(run.id)
    intake_work.start_registration_cases(run.id)
    intake_work.confirm_into_registry(run.id)
    db.session.commit()
