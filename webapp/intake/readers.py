"""Read department files (CSV in any common Chinese encoding, or XLSX) as rows.

Rows stream: each is built when asked for and dropped by the caller, so a
500,000-row file never sits in memory as half a million dicts. Row numbers are
the ones an Excel user sees: the header is row 1, the first data row is row 2.
Cells keep their Python type from XLSX (an ID stored as a number arrives as an
int or float, so the ID checker can say it was mangled); CSV cells are strings.
Empty cells come out as None.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

_CHUNK = 1 << 20
_HEADER_SEARCH_ROWS = 20
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
# Hard ceiling on one CSV cell: a file with an unbalanced quote would otherwise
# swallow the rest of the file into one field.
csv_field_limit = 1 << 20


class ReadError(Exception):
    """The file cannot be read at all; the message is for the uploader (Chinese)."""


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


def detect_encoding(path: str | Path) -> str:
    """Return the text encoding of a CSV: 'utf-8-sig', 'gb18030', or a guess.

    UTF-8 (with or without BOM) is tried strictly first because a valid UTF-8
    Chinese file is almost never valid GB18030 by accident; then GB18030 (a
    superset of GBK and GB2312); charset-normalizer only for anything else.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes_cleanly(path, encoding):
            return encoding
    from charset_normalizer import from_path  # fallback only; slow on big files

    best = from_path(path).best()
    if best is None:
        raise ReadError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV")
    return best.encoding


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _unique_headers(raw_headers) -> list[str]:
    # Two columns called 姓名 must both survive; the second becomes '姓名 (2)'.
    seen: dict[str, int] = {}
    headers = []
    for index, value in enumerate(raw_headers):
        text = "" if value is None else str(value).strip().lstrip("\ufeff")
        if not text:
            text = f"(第{index + 1}列)"
        seen[text] = seen.get(text, 0) + 1
        headers.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return headers


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
        fmt = file_format(self.path)
        if fmt == "xlsx":
            self.info = self._open_xlsx(sheet)
        else:
            self.info = self._open_csv()

    def _open_csv(self) -> TableInfo:
        encoding = detect_encoding(self.path)
        self._handle = open(self.path, "r", encoding=encoding, newline="")
        first_line = self._handle.readline()
        self._handle.seek(0)
        delimiter = _sniff_delimiter(first_line)
        csv.field_size_limit(csv_field_limit)
        reader = csv.reader(self._handle, delimiter=delimiter)
        try:
            raw_headers = next(reader)
        except StopIteration:
            raise ReadError("文件为空") from None
        except csv.Error as exc:
            raise ReadError(f"CSV 格式错误：{exc}") from None
        self._rows = reader
        return TableInfo(str(self.path), "csv", _unique_headers(raw_headers),
                         encoding=encoding, delimiter=delimiter)

    def _open_xlsx(self, sheet: str | None) -> TableInfo:
        rows, sheet_title = None, sheet
        if sheet is None:
            from webapp.intake.xlsx_fast import UnsupportedWorkbook, iter_first_sheet

            try:
                rows = iter_first_sheet(self.path)
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
        return TableInfo(str(self.path), "xlsx", headers, sheet=sheet_title, header_row=header_row)

    def _openpyxl_rows(self, sheet: str | None):
        from openpyxl import load_workbook  # heavy import: only when an XLSX needs it

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
        try:
            for cells in self._rows:
                number += 1
                if is_csv:
                    if not (cells and cells[0]) and not any(cells):  # first cell: nearly always enough
                        continue  # blank line: skip it, keep counting
                    values = cells if len(cells) == width else cells[:width] + padding[len(cells):]
                else:
                    values = [(c.strip() or None) if c.__class__ is str else c for c in cells[:width]]
                    if all(v is None for v in values):
                        continue
                    if len(values) < width:
                        values.extend(padding[len(values):])
                yield number, values
        except csv.Error as exc:
            raise ReadError(f"第 {number} 行 CSV 格式错误：{exc}") from None

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


def read_text_table(text: str) -> list[RawRow]:
    """Parse CSV text already in memory (small uploads, tests)."""
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text.split("\n", 1)[0]))
    headers = _unique_headers(next(reader))
    rows = []
    for number, cells in enumerate(reader, start=2):
        values = [c.strip() or None for c in cells[:len(headers)]]
        if any(v is not None for v in values):
            values.extend([None] * (len(headers) - len(values)))
            rows.append(RawRow(number, dict(zip(headers, values))))
    return rows
