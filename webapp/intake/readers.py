"""Read department files (CSV in any common Chinese encoding, or XLSX) as rows.

Rows stream: each is built when asked for and dropped by the caller, so a
500,000-row file never sits in memory as half a million dicts. Row numbers are
the ones an Excel user sees: the header is row 1, the first data row is row 2.
Cells keep their Python type from XLSX (an ID stored as a number arrives as an
int or float, so the ID checker can say it was mangled); CSV cells are strings.
Empty cells come out as None.

A stray control character (NUL ...) is stripped from its value and an
undecodable byte becomes U+FFFD; either way the row is named in
``row_notes`` for the uploader, and the file is read on (see limits.py for
what makes a file refused instead).
"""
from __future__ import annotations

import codecs
import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

from webapp.intake import limits
from webapp.intake.limits import CONTROL_CHARS, REPLACEMENT, ReadError
from webapp.intake.xlsx_fast import SheetFlags, UnsupportedWorkbook, iter_first_sheet

_CHUNK = 1 << 20
_HEADER_SEARCH_ROWS = 20
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
# Hard ceiling on one CSV cell: a file with an unbalanced quote would otherwise
# swallow the rest of the file into one field.
csv_field_limit = limits.MAX_CELL_CHARS
_ASCII = bytes(range(128))
# Undecodable bytes beyond this share of the non-ASCII bytes: not a Chinese text file at all.
_MAX_BAD_BYTE_SHARE = 0.05
_SUSPECT = CONTROL_CHARS
_SUSPECT_OR_REPLACED = re.compile(f"{CONTROL_CHARS.pattern[:-1]}{REPLACEMENT}]")


class RawRow(NamedTuple):
    """One data row: its Excel-style row number and {original header: value}."""

    number: int
    values: dict


@dataclass
class TableInfo:
    """What was learnt about a file while opening it."""

    path: str
    format: str  # 'csv' or 'xlsx'
    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_row: int = 1
    notes: list[str] = field(default_factory=list)
    # Headers that occur more than once: [(header, [0-based column positions])].
    duplicates: list = field(default_factory=list)


def _decodes_cleanly(path: Path, encoding: str) -> bool:
    # Decode the whole file in chunks without keeping it: a GBK file often has a
    # valid-UTF-8-looking first megabyte of ASCII digits and fails only later.
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _bad_bytes(path: Path, encoding: str) -> tuple[int, int]:
    """(undecodable spots, non-ASCII bytes) of the whole file in ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    bad = wide = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            bad += decoder.decode(chunk).count(REPLACEMENT)
            wide += len(chunk.translate(None, _ASCII))
        bad += decoder.decode(b"", final=True).count(REPLACEMENT)
    return bad, wide


def choose_encoding(path: str | Path) -> tuple[str, bool]:
    """Return ``(encoding, clean)`` for a CSV; ``clean`` is False when some bytes do not decode.

    UTF-8 (with or without BOM) is tried strictly first because a valid UTF-8
    Chinese file is almost never valid GB18030 by accident; then GB18030 (a
    superset of GBK and GB2312). A file with a few bad bytes is still one of
    the two — the one with fewer undecodable spots, GB18030 on a tie — and is
    read with the bad bytes replaced and reported per row. No charset guesser:
    on a GBK file with three bad bytes one picked ISO-8859-5 and garbled every header.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes_cleanly(path, encoding):
            return encoding, True
    (bad, wide), encoding = min((_bad_bytes(path, "gb18030"), "gb18030"), (_bad_bytes(path, "utf-8-sig"), "utf-8-sig"),
                                key=lambda counted: counted[0][0])
    if bad > _MAX_BAD_BYTE_SHARE * wide:
        raise ReadError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    return encoding, False


def detect_encoding(path: str | Path) -> str:
    """Return the text encoding of a CSV: 'utf-8-sig', 'gb18030' or 'utf-16' (see :func:`choose_encoding`)."""
    return choose_encoding(path)[0]


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _unique_headers(raw_headers) -> list[str]:
    # Two columns called 姓名 must both survive; the second becomes '姓名 (2)' (the import
    # then refuses the file, see duplicate_headers).
    if len(raw_headers) > limits.MAX_COLUMNS:
        raise limits.too_many_columns()
    seen: dict[str, int] = {}
    headers = []
    for index, value in enumerate(raw_headers):
        text = _header_text(value)
        if not text:
            text = f"(第{index + 1}列)"
        seen[text] = seen.get(text, 0) + 1
        headers.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return headers


def _csv_error(number: int, exc: Exception) -> ReadError:
    if "field limit" in str(exc):
        return limits.cell_too_long(number)
    return ReadError(f"第 {number} 行 CSV 格式错误，无法读取")


def _header_text(value) -> str:
    text = "" if value is None else str(value)
    return CONTROL_CHARS.sub("", text.replace(REPLACEMENT, "")).strip().lstrip("\ufeff")


def duplicate_headers(raw_headers) -> list[tuple[str, list[int]]]:
    """Headers written in more than one column: ``[(header, [0-based positions])]``."""
    positions: dict[str, list[int]] = {}
    for index, value in enumerate(raw_headers):
        text = _header_text(value)
        if text:
            positions.setdefault(text, []).append(index)
    return [(text, where) for text, where in positions.items() if len(where) > 1]


def file_format(path: str | Path) -> str:
    """Return 'xlsx' or 'csv' from the file's first bytes (extensions lie)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == _XLSX_MAGIC:
        return "xlsx"
    if head == _OLE_MAGIC:
        raise ReadError("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV")
    return "csv"


class TableReader:
    """Open a CSV or XLSX file; ``info.headers`` at once, rows by iterating.

    Use as a context manager so the file handle closes even on errors.
    """

    def __init__(self, path: str | Path, sheet: str | None = None):
        self.path = Path(path)
        self._handle = None
        self._workbook = None
        self._rows: Iterator = iter(())
        self._dirty = False  # the CSV line just read had a control character or a bad byte
        self._sheet_flags = None
        self.row_notes: list[tuple[int, str, str, str, str]] = []  # (row, column, value, problem, code)
        fmt = file_format(self.path)
        if fmt == "xlsx":
            self.info = self._open_xlsx(sheet)
        else:
            self.info = self._open_csv()

    def _open_csv(self) -> TableInfo:
        encoding, clean = choose_encoding(self.path)
        self._handle = open(self.path, "r", encoding=encoding, newline="", errors="strict" if clean else "replace")
        first_line = self._handle.readline(limits.MAX_CSV_LINE_CHARS)
        self._handle.seek(0)
        delimiter = _sniff_delimiter(first_line)
        csv.field_size_limit(csv_field_limit)
        reader = csv.reader(self._csv_lines(_SUSPECT if clean else _SUSPECT_OR_REPLACED), delimiter=delimiter)
        try:
            raw_headers = next(reader)
        except StopIteration:
            raise ReadError("文件为空") from None
        except csv.Error as exc:
            raise _csv_error(1, exc) from None
        except limits.LineTooLong:
            raise limits.cell_too_long(1) from None
        self._dirty = False
        self._rows = reader
        info = TableInfo(str(self.path), "csv", _unique_headers(raw_headers), encoding=encoding, delimiter=delimiter,
                         duplicates=duplicate_headers(raw_headers))
        if not clean:
            info.notes.append(f"部分字节无法按 {encoding} 解码，已替换为 {REPLACEMENT}，见各行提示")
        return info

    def _csv_lines(self, suspect) -> Iterator[str]:
        """The file's lines, each at most MAX_CSV_LINE_CHARS, flagging those that need cleaning."""
        readline, limit = self._handle.readline, limits.MAX_CSV_LINE_CHARS
        while line := readline(limit):
            if len(line) == limit and line[-1] not in "\r\n":
                raise limits.LineTooLong()
            if suspect.search(line) is not None:
                self._dirty = True  # the row being assembled is cleaned in iter_cells
            yield line

    def _cleaned(self, number: int, values: list) -> list:
        """Strip control characters from a row's cells; note each cleaned or undecodable cell."""
        headers, cleaned = self.info.headers, []
        for position, value in enumerate(values):
            if value.__class__ is str and _SUSPECT_OR_REPLACED.search(value) is not None:
                header = headers[position] if position < len(headers) else f"(第{position + 1}列)"
                if self.info.format == "xlsx":  # a control byte the sheet stream replaced
                    value, controls, bad = value.replace(REPLACEMENT, ""), 1, 0
                else:
                    controls, bad = len(CONTROL_CHARS.findall(value)), value.count(REPLACEMENT)
                    value = CONTROL_CHARS.sub("", value)
                if controls:
                    self.row_notes.append((number, header, value, "含控制字符（如 NUL），已删除", "control_chars"))
                if bad:
                    self.row_notes.append((number, header, value, f"含 {bad} 处无法按 {self.info.encoding} 解码的字节，"
                                           f"已替换为 {REPLACEMENT}，请核对原文件", "undecodable"))
            cleaned.append(value)
        return cleaned

    def take_row_notes(self) -> list[tuple[int, str, str, str, str]]:
        """The row-level notes gathered since the last call (the caller reports them)."""
        notes, self.row_notes = self.row_notes, []
        return notes

    def _open_xlsx(self, sheet: str | None) -> TableInfo:
        rows, sheet_title = None, sheet
        if sheet is None:
            limits.check_xlsx_archive(self.path)
            self._sheet_flags = SheetFlags()
            try:
                rows = iter_first_sheet(self.path, self._sheet_flags)
                first = next(rows, None)
                rows = itertools.chain([first], rows) if first is not None else iter(())
            except UnsupportedWorkbook:
                rows = None  # unusual workbook: openpyxl below reads it
        if rows is None:
            rows, sheet_title = self._openpyxl_rows(sheet)
        # The header is the first row with two or more filled cells: exports often put
        # a one-cell title (and blank lines) above it. Rows looked at are kept, so a
        # one-column sheet (header = first filled row) loses nothing.
        looked_at = list(itertools.islice(rows, _HEADER_SEARCH_ROWS))
        filled = [sum(1 for v in row if v not in (None, "")) for row in looked_at]
        position = next((i for i, n in enumerate(filled) if n >= 2), None)
        if position is None:
            position = next((i for i, n in enumerate(filled) if n == 1), None)
        if position is None:
            raise ReadError("文件为空" if len(looked_at) < _HEADER_SEARCH_ROWS else "前 20 行中找不到表头")
        header_row, raw_headers = position + 1, looked_at[position]
        rows = itertools.chain(looked_at[position + 1:], rows)
        self._rows = rows
        width = len(raw_headers)
        while width and raw_headers[width - 1] in (None, ""):  # trailing empty columns
            width -= 1
        headers = _unique_headers(raw_headers[:width])
        return TableInfo(str(self.path), "xlsx", headers, sheet=sheet_title, header_row=header_row,
                         duplicates=duplicate_headers(raw_headers[:width]))

    def _openpyxl_rows(self, sheet: str | None):
        from openpyxl import load_workbook  # heavy import: only when an XLSX needs it

        limits.check_xlsx_archive(self.path)
        # A file object, not the path: openpyxl refuses names not ending in .xlsx,
        # and uploads are stored under whatever name they came with.
        self._handle = open(self.path, "rb")
        try:
            self._workbook = load_workbook(self._handle, read_only=True, data_only=True)
        except Exception as exc:  # corrupt zip, not a workbook, ...
            self.close()
            raise ReadError(f"无法打开 Excel 文件：{exc}") from None
        worksheet = self._workbook[sheet] if sheet else self._workbook.worksheets[0]
        return worksheet.iter_rows(values_only=True), worksheet.title

    def iter_cells(self) -> Iterator[tuple[int, list]]:
        """Yield ``(row number, cells)`` with cells in header order (the fast path).

        Every list has exactly ``len(info.headers)`` entries; blank rows are skipped
        but still counted. CSV cells come as read (``''`` when empty, spaces kept):
        the validator cleans each column once, which is cheaper than per row here.
        """
        width = len(self.info.headers)
        is_csv = self.info.format == "csv"
        number = self.info.header_row
        padding = [None] * width
        max_rows, flags = limits.MAX_ROWS, self._sheet_flags
        try:
            for cells in self._rows:
                number += 1
                if number > max_rows:
                    raise limits.too_many_rows()
                if is_csv:
                    if self._dirty:
                        cells, self._dirty = self._cleaned(number, cells), False
                    if not (cells and cells[0]) and not any(cells):  # first cell: nearly always enough
                        continue  # blank line: skip it, keep counting
                    values = cells if len(cells) == width else cells[:width] + padding[len(cells):]
                else:
                    if flags is not None and flags.dirty:
                        cells = self._cleaned(number, list(cells[:width]))
                    values = [(c.strip() or None) if c.__class__ is str else c for c in cells[:width]]
                    if all(v is None for v in values):
                        continue
                    if len(values) < width:
                        values.extend(padding[len(values):])
                yield number, values
        except csv.Error as exc:  # raised while reading the row after the last one counted
            raise _csv_error(number + 1, exc) from None
        except limits.LineTooLong:
            raise limits.cell_too_long(number + 1) from None

    def iter_chunks(self, size: int = 5000) -> Iterator[tuple[list[int], list[list]]]:
        """Yield ``(row numbers, rows)`` in chunks of up to ``size`` rows."""
        numbers, rows = [], []
        for number, values in self.iter_cells():
            numbers.append(number)
            rows.append(values)
            if len(rows) >= size:
                yield numbers, rows
                numbers, rows = [], []
        if rows:
            yield numbers, rows

    def __iter__(self) -> Iterator[RawRow]:
        headers = self.info.headers
        for number, values in self.iter_cells():
            cleaned = [(v.strip() or None) if v.__class__ is str else v for v in values]
            if any(v is not None for v in cleaned):
                yield RawRow(number, dict(zip(headers, cleaned)))

    def close(self) -> None:
        """Release the file handle or workbook."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    def __enter__(self) -> "TableReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_rows(path: str | Path, sheet: str | None = None) -> Iterator[RawRow]:
    """Yield the data rows of a file (convenience wrapper that closes the file)."""
    with TableReader(path, sheet) as reader:
        yield from reader
