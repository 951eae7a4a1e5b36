"""A lean streaming reader for the first sheet of an .xlsx file (values only).

openpyxl's read-only mode builds an object per cell and reads about 3,000
rows a second on a small server; a department's 400,000-row workbook would
take minutes. This reader parses the sheet XML directly with ElementTree's
C parser and yields plain tuples, about ten times faster. It understands
what department exports contain — shared and inline strings, numbers,
booleans, errors, and date-formatted numbers (returned as datetimes) — and
raises :class:`UnsupportedWorkbook` for anything else, so the caller can fall
back to openpyxl.
"""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timedelta
from typing import Iterator
from xml.etree.ElementTree import iterparse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_EXCEL_EPOCH = datetime(1899, 12, 30)
_CELL_COLUMN = re.compile(r"[A-Z]+")


class UnsupportedWorkbook(Exception):
    """The workbook uses something this reader does not handle; use openpyxl instead."""


def _column_index(reference: str) -> int:
    letters = _CELL_COLUMN.match(reference).group()
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    from xml.etree.ElementTree import fromstring

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


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    si_tag, t_tag, run_tag = f"{_MAIN}si", f"{_MAIN}t", f"{_MAIN}r"
    with archive.open("xl/sharedStrings.xml") as handle:
        for _, element in iterparse(handle):
            if element.tag == si_tag:
                # Plain text, or rich-text runs concatenated; phonetic hints (rPh) are not the value.
                text = element.find(t_tag)
                if text is not None:
                    strings.append(text.text or "")
                else:
                    strings.append("".join(run.findtext(t_tag) or "" for run in element.findall(run_tag)))
                element.clear()
    return strings


def _is_date_format(code: str) -> bool:
    code = _QUOTED_OR_BRACKETED.sub("", code).lower()
    return any(ch in code for ch in "dmyhs") and "general" not in code


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (the ``s`` attribute) that show numbers as dates."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    from xml.etree.ElementTree import fromstring

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
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def iter_first_sheet(path) -> Iterator[tuple]:
    """Yield the first sheet's rows as tuples, one per row number from 1 (gaps as empty tuples)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnsupportedWorkbook(str(exc)) from None
    with archive:
        try:
            sheet_path = _first_sheet_path(archive)
            shared = _shared_strings(archive)
            dated = _date_styles(archive)
        except KeyError as exc:  # a part missing: a strict-OOXML or unusual file
            raise UnsupportedWorkbook(str(exc)) from None
        row_tag, cell_tag, value_tag = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
        inline_tag, text_tag = f"{_MAIN}is", f"{_MAIN}t"
        expected = 1
        sheet_data = None
        with archive.open(sheet_path) as handle:
            for event, element in iterparse(handle, events=("start", "end")):
                if event == "start":
                    if element.tag == f"{_MAIN}sheetData":
                        sheet_data = element
                    continue
                if element.tag != row_tag:
                    continue
                number = int(element.get("r") or expected)
                while expected < number:
                    yield ()
                    expected += 1
                cells = []
                for position, cell in enumerate(element.iter(cell_tag)):
                    reference = cell.get("r")
                    index = _column_index(reference) if reference else position
                    if index > len(cells):
                        cells.extend([None] * (index - len(cells)))
                    kind = cell.get("t")
                    if kind == "inlineStr":
                        inline = cell.find(inline_tag)
                        value = "".join(t.text or "" for t in inline.iter(text_tag)) if inline is not None else None
                    else:
                        raw = cell.findtext(value_tag)
                        if raw is None:
                            value = None
                        elif kind == "s":
                            value = shared[int(raw)]
                        elif kind in ("str", "e"):
                            value = raw
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
                yield tuple(cells)
                expected = number + 1
