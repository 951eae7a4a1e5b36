"""A lean streaming reader for the first sheet of an .xlsx file (values only).

openpyxl's read-only mode builds an object per cell and reads about 3,000
rows a second on a small server; a department's 400,000-row workbook would
take minutes. This reader parses the sheet XML directly with ElementTree's
C parser and yields plain tuples, about ten times faster. It understands
what department exports contain — shared and inline strings, numbers,
booleans, errors, and date-formatted numbers (returned as datetimes) — and
raises :class:`UnsupportedWorkbook` for anything else, so the caller can fall
back to openpyxl. The limits of limits.py hold while it streams: rows,
columns and cell length, and no giant run of text reaches the XML parser.
"""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta
from typing import Iterator
from xml.etree.ElementTree import ParseError, fromstring, iterparse

from webapp.intake import limits
from webapp.intake.limits import ReadError

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_EXCEL_EPOCH = datetime(1899, 12, 30)
_CELL_COLUMN = re.compile(r"[A-Z]+")
# XML elements allowed between two rows (a full-width row of styled cells is 16,384 <c> plus
# their <v>): anything more is not a sheet but a memory bomb built inside one row.
_MAX_ELEMENTS_PER_ROW = 16_384 * 6


class UnsupportedWorkbook(Exception):
    """The workbook uses something this reader does not handle; use openpyxl instead."""


class SheetFlags:
    """What the reader learnt while streaming: ``dirty`` once a control byte became U+FFFD."""

    dirty = False


_BROKEN_XML = "Excel 文件内容损坏（工作表的 XML 格式错误），无法读取；请在 Excel 中打开后另存为 .xlsx 再上传"


def _column_index(reference: str) -> int:
    letters = _CELL_COLUMN.match(reference).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    workbook = fromstring(archive.read("xl/workbook.xml"))
    sheets = workbook.find(f"{_MAIN}sheets")
    if sheets is None or not len(sheets):
        raise UnsupportedWorkbook("no sheets")
    rel_id = sheets[0].get(f"{_REL}id")
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PACKAGE_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target").lstrip("/")
            return target if target.startswith("xl/") else "xl/" + target
    raise UnsupportedWorkbook("sheet relationship not found")


def _shared_strings(archive: zipfile.ZipFile) -> tuple[list[str], bool]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return [], False
    strings = []
    si_tag, t_tag, run_tag = f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r"
    with archive.open("xl/sharedStrings.xml") as raw:
        handle = limits.GuardedStream(raw)
        for _, element in iterparse(handle):
            if element.tag == si_tag:
                # Plain text, or rich-text runs concatenated; phonetic hints (rPh) are not the value.
                text = element.find(t_tag)
                if text is not None:
                    strings.append(text.text or "")
                else:
                    strings.append("".join(run.findtext(t_tag) or "" for run in element.findall(run_tag)))
                if len(strings[-1]) > limits.MAX_CELL_CHARS:
                    raise limits.cell_too_long(None)
                element.clear()
    return strings, handle.dirty


def _is_date_format(code: str) -> bool:
    code = _QUOTED_OR_BRACKETED.sub("", code).lower()
    return any(ch in code for ch in "dmyhs") and "general" not in code


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (the ``s`` attribute) that show numbers as dates."""
    if "xl/styles.xml" not in archive.namelist():
        return set()

    styles = fromstring(archive.read("xl/styles.xml"))
    custom = {}
    formats = styles.find(f"{_MAIN}numFmts")
    if formats is not None:
        for fmt in formats:
            custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode") or ""
    dated = set()
    cell_xfs = styles.find(f"{_MAIN}cellXfs")
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else ()):
        fmt_id = int(xf.get("numFmtId") or 0)
        if fmt_id in _BUILTIN_DATE_FORMATS or (fmt_id in custom and _is_date_format(custom[fmt_id])):
            dated.add(index)
    return dated


def _number(text: str):
    try:
        if "." in text or "E" in text or "e" in text:
            return float(text)
        return int(text)
    except ValueError:  # not a number after all (or thousands of digits): keep the text
        return text


def iter_first_sheet(path, flags: SheetFlags | None = None) -> Iterator[tuple]:
    """Yield the first sheet's rows as tuples, one per row number from 1 (gaps as empty tuples).

    Raises ReadError when the file breaks a limit or its XML is broken; ``flags.dirty``
    turns true once a control byte was replaced by U+FFFD (the caller strips it per cell).
    """
    flags = flags if flags is not None else SheetFlags()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnsupportedWorkbook(str(exc)) from None
    with archive:
        try:
            sheet_path = _first_sheet_path(archive)
            shared, flags.dirty = _shared_strings(archive)
            dated = _date_styles(archive)
        except KeyError as exc:  # a part missing: a strict-OOXML or unusual file
            raise UnsupportedWorkbook(str(exc)) from None
        except ParseError:
            raise ReadError(_BROKEN_XML) from None
        try:
            yield from _sheet_rows(archive, sheet_path, shared, dated, flags)
        except (ParseError, ValueError, IndexError):  # broken XML, a bad reference or index
            raise ReadError(_BROKEN_XML) from None


def _sheet_rows(archive, sheet_path, shared, dated, flags) -> Iterator[tuple]:
    max_rows, max_columns, max_chars = limits.MAX_ROWS, limits.MAX_COLUMNS, limits.MAX_CELL_CHARS
    row_tag, cell_tag, value_tag = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
    inline_tag, text_tag = f"{_MAIN}is", f"{_MAIN}t"
    sheet_data_tag = f"{_MAIN}sheetData"
    expected = 1
    sheet_data = None
    pending = 0  # elements seen since the last row ended
    with archive.open(sheet_path) as stream:
        handle = limits.GuardedStream(stream)
        for event, element in iterparse(handle, events=("start", "end")):
            if event == "start":
                pending += 1
                if pending > _MAX_ELEMENTS_PER_ROW:
                    raise limits.too_many_columns(expected)
                if element.tag == sheet_data_tag:
                    sheet_data = element
                continue
            tag = element.tag
            if tag != row_tag:
                if tag == sheet_data_tag:
                    return  # what follows the cells (merges, links, ...) is not data
                continue
            pending = 0
            number = int(element.get("r") or expected)
            if number > max_rows:
                raise limits.too_many_rows()
            while expected < number:
                yield ()
                expected += 1
            cells = []
            for position, cell in enumerate(element.iter(cell_tag)):
                reference = cell.get("r")
                index = _column_index(reference) if reference else position
                if index >= max_columns:
                    # Formatting often reaches column XFD with nothing in it: only a value counts.
                    if cell.findtext(value_tag) is None and cell.find(inline_tag) is None:
                        continue
                    raise limits.too_many_columns(number)
                if index > len(cells):
                    cells.extend([None] * (index - len(cells)))
                kind = cell.get("t")
                if kind == "inlineStr":
                    inline = cell.find(inline_tag)
                    value = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else None
                    if value is not None and len(value) > max_chars:
                        raise limits.cell_too_long(number)
                else:
                    raw = cell.findtext(value_tag)
                    if raw is None:
                        value = None
                    elif kind == "s":
                        value = shared[int(raw)]
                    elif kind in ("str", "e"):
                        value = raw
                        if len(raw) > max_chars:
                            raise limits.cell_too_long(number)
                    elif kind == "b":
                        value = raw == "1"
                    elif kind == "d":
                        value = datetime.fromisoformat(raw)
                    else:
                        value = _number(raw)
                        style = cell.get("s")
                        if style is not None and int(style) in dated:
                            try:
                                value = _EXCEL_EPOCH + timedelta(days=value)
                            except OverflowError:
                                pass  # not a real date after all: keep the number
                cells.append(value)
            if sheet_data is not None:
                sheet_data.clear()  # drop finished rows: memory stays flat on huge sheets
            if handle.dirty:
                flags.dirty = True
            yield tuple(cells)
            expected = number + 1
