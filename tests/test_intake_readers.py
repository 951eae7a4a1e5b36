"""Reading department files: every encoding, XLSX cell types, row numbers."""
from datetime import datetime

import pytest
from openpyxl import Workbook

from webapp.intake.readers import ReadError, TableReader, detect_encoding, read_rows

ROWS = [["身份证号", "姓名", "住址"],
        ["341721198005171235", "张三", "安徽省池州市东至县尧渡镇"],
        ["11010519491231002X", "李四·买买提", "东至县龙泉镇𠀀村"]]  # 𠀀: outside GBK, inside GB18030


def _write_csv(path, rows, encoding, delimiter=","):
    text = "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("utf-16", "utf-16"),
])
def test_every_encoding_reads_the_same_rows(tmp_path, encoding, expected):
    path = _write_csv(tmp_path / "f.csv", ROWS, encoding)
    assert detect_encoding(path) == expected
    rows = list(read_rows(path))
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].values == {"身份证号": "341721198005171235", "姓名": "张三", "住址": "安徽省池州市东至县尧渡镇"}
    assert rows[1].values["住址"] == "东至县龙泉镇𠀀村"


def test_gbk_file_is_read_as_gb18030(tmp_path):
    rows = [r[:] for r in ROWS]
    rows[2][2] = "东至县龙泉镇"  # GBK has no 𠀀
    path = _write_csv(tmp_path / "gbk.csv", rows, "gbk")
    assert detect_encoding(path) == "gb18030"
    assert list(read_rows(path))[1].values["姓名"] == "李四·买买提"


def test_gbk_detected_even_when_chinese_starts_late(tmp_path):
    # The first megabyte is pure ASCII (valid UTF-8); the GBK bytes come after it.
    rows = [["身份证号", "姓名"]] + [["341721198005171235", "abc"]] * 60000 + [["341721198005171235", "张三"]]
    rows[0] = ["id", "name"]
    path = _write_csv(tmp_path / "late.csv", rows, "gbk")
    assert detect_encoding(path) == "gb18030"
    assert list(read_rows(path))[-1].values["name"] == "张三"


def test_tab_delimited_and_blank_lines_keep_excel_row_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("身份证号\t姓名\n\n341721198005171235\t 张三 \n\t\n11010519491231002X\t李四\n", encoding="utf-8")
    rows = list(read_rows(path))
    assert [(r.number, r.values["姓名"]) for r in rows] == [(3, "张三"), (5, "李四")]


def test_short_rows_are_padded_and_duplicate_headers_kept(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("姓名,姓名,住址\n张三,张叁\n", encoding="utf-8")
    with TableReader(path) as reader:
        assert reader.info.headers == ["姓名", "姓名 (2)", "住址"]
        assert [r.values for r in reader] == [{"姓名": "张三", "姓名 (2)": "张叁", "住址": None}]


def test_xlsx_keeps_numeric_and_date_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["东至县城乡居民医保参保名单"])  # a title row above the header
    sheet.append(["身份证号", "姓名", "出生日期", None])
    sheet.append([3.41721198005171e17, "张三", datetime(1980, 5, 17), None])
    sheet.append([None, None, None, None])
    sheet.append(["11010519491231002X", "  李四 ", "1949-12-31", None])
    path = tmp_path / "h.xlsx"
    workbook.save(path)
    with TableReader(path) as reader:
        assert reader.info.format == "xlsx" and reader.info.header_row == 2
        assert reader.info.headers == ["身份证号", "姓名", "出生日期"]
        rows = list(reader)
    assert [r.number for r in rows] == [3, 5]
    assert isinstance(rows[0].values["身份证号"], float)
    assert rows[0].values["出生日期"] == datetime(1980, 5, 17)
    assert rows[1].values["姓名"] == "李四"


def test_xlsx_detected_by_content_not_extension(tmp_path):
    workbook = Workbook()
    workbook.active.append(["姓名"])
    workbook.active.append(["张三"])
    path = tmp_path / "upload.csv"  # wrong extension
    workbook.save(path)
    assert [r.values for r in read_rows(path)] == [{"姓名": "张三"}]


def test_legacy_xls_and_empty_files_are_refused(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ReadError, match="xls"):
        TableReader(xls)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="文件为空"):
        TableReader(empty)


def test_rows_stream_lazily(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("身份证号,姓名\n")
        for n in range(50000):
            handle.write(f"{n},张三\n")
    iterator = iter(read_rows(path))
    first = next(iterator)
    assert first.number == 2 and first.values["身份证号"] == "0"
    assert sum(1 for _ in iterator) == 49999
