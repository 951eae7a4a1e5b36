"""Bounds on what a department file may contain, checked while it is read.

A department file is data from outside: a careless export or a crafted
workbook must not take the worker down. Every limit here is checked before
or while streaming, never after the whole file sits in memory:

* an XLSX is a zip: the declared size of every part, the total, and the
  compression ratio are checked before anything is decompressed (Python's
  zipfile stops at the declared size, so a lying header cannot expand more);
* while the sheet XML streams, no run of bytes between two tags may exceed
  what the longest allowed cell needs, so one huge cell is refused before the
  XML parser builds it as a string;
* rows, columns and cell length are counted as rows are produced.

Control characters (NUL and the like) are not refused: the reader strips them
from the value and reports the row (see readers.py), because one stray byte in
a 500,000-row file must not cost the other rows.
"""
from __future__ import annotations

import re
import zipfile

MAX_ROWS = 1_048_576  # Excel's own sheet limit
MAX_COLUMNS = 512  # department exports have a few dozen
MAX_CELL_CHARS = 32_767  # Excel's own cell limit
MAX_CSV_LINE_CHARS = 1 << 20  # one physical CSV line (a row, or a piece of a multi-line cell)
MAX_XLSX_UNCOMPRESSED = 1 << 30  # all parts of a workbook, decompressed
MAX_SHARED_STRINGS = 128 << 20  # every shared string is held in memory while the sheet is read
MAX_XLSX_SMALL_PART = 16 << 20  # workbook, relationships, styles: parsed whole
MAX_XLSX_RATIO = 150  # real sheets compress 5-30x; zip bombs 1000x
RATIO_CHECKED_ABOVE = 8 << 20  # small parts may compress as they like
# A cell's text is at most MAX_CELL_CHARS characters; in XML one character takes at most
# ten bytes ('&#x10FFFF;'), so a longer run of bytes between two tags is not a cell we accept.
_MAX_XML_RUN = MAX_CELL_CHARS * 10
# C0 controls but tab, LF and CR; DEL; C1 controls. PostgreSQL refuses NUL in text and
# none of them belongs in a name or an address.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # never inside a UTF-8 sequence
REPLACEMENT = "\ufffd"


class ReadError(Exception):
    """The file cannot be read at all; the message is for the uploader (Chinese)."""


def _mb(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MB"


def check_xlsx_archive(path) -> None:
    """Refuse a workbook whose parts are too big or too compressed, before extracting any."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ReadError("无法打开 Excel 文件（压缩包已损坏），请在 Excel 中打开后另存为 .xlsx 再上传") from None
    total = sum(entry.file_size for entry in entries)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise ReadError(f"Excel 文件解压后共 {_mb(total)}，超过上限 {_mb(MAX_XLSX_UNCOMPRESSED)}；"
                        "请拆分文件或另存为 CSV 后上传")
    whole_parts = {"xl/sharedStrings.xml": MAX_SHARED_STRINGS, "xl/workbook.xml": MAX_XLSX_SMALL_PART,
                   "xl/_rels/workbook.xml.rels": MAX_XLSX_SMALL_PART, "xl/styles.xml": MAX_XLSX_SMALL_PART}
    for entry in entries:
        if entry.file_size > RATIO_CHECKED_ABOVE and entry.file_size > MAX_XLSX_RATIO * max(entry.compress_size, 1):
            raise ReadError(f"Excel 文件中的 {entry.filename[:80]} 压缩比异常（解压后 {_mb(entry.file_size)}，"
                            f"超过压缩前的 {MAX_XLSX_RATIO} 倍），疑似压缩炸弹，已拒收")
        limit = whole_parts.get(entry.filename)
        if limit is not None and entry.file_size > limit:
            raise ReadError(f"Excel 文件中的 {entry.filename[:80]} 解压后 {_mb(entry.file_size)}，"
                            f"超过上限 {_mb(limit)}，已拒收")


def cell_too_long(row: int | None, column: str | None = None) -> ReadError:
    """The error for a cell over MAX_CELL_CHARS (row and column when known)."""
    where = f"第 {row} 行" if row else "文件中"
    if column:
        where += f"“{column[:40]}”列"
    return ReadError(f"{where}有单元格超过 {MAX_CELL_CHARS:,} 个字符的上限，已拒收；请检查文件是否完整、引号是否成对")


class LineTooLong(ReadError):
    """A CSV line longer than MAX_CSV_LINE_CHARS (the reader names the row)."""


def too_many_rows() -> ReadError:
    """The error for a file over MAX_ROWS rows."""
    return ReadError(f"文件超过 {MAX_ROWS:,} 行的上限，已拒收；请按乡镇拆分后分别上传")


def too_many_columns(row: int | None = None) -> ReadError:
    """The error for a row over MAX_COLUMNS columns."""
    where = f"第 {row} 行" if row else "文件"
    return ReadError(f"{where}超过 {MAX_COLUMNS:,} 列的上限，已拒收")


class GuardedStream:
    """A read-only byte stream over a sheet's XML that refuses giant runs between tags.

    Control bytes, which make XML unparsable, become U+FFFD so the reader can
    strip them per cell and name the row; ``dirty`` says whether any was seen.
    """

    def __init__(self, raw):
        self._raw = raw
        self._run = 0  # bytes since the last '<'
        self._utf16: bool | None = None  # a UTF-16 part is full of zero bytes that are not NUL
        self.dirty = False

    def read(self, size: int = -1) -> bytes:
        """Read like the wrapped stream, checking what passes."""
        data = self._raw.read(size)
        if not data:
            return data
        first = data.find(b"<")
        if first < 0:
            self._run += len(data)
        else:
            # Gaps inside one read are shorter than the read (16 KB from ElementTree).
            if self._run + first > _MAX_XML_RUN or first > _MAX_XML_RUN:
                raise cell_too_long(None)
            self._run = len(data) - data.rfind(b"<") - 1
        if self._run > _MAX_XML_RUN or len(data) > _MAX_XML_RUN and max(map(len, data.split(b"<"))) > _MAX_XML_RUN:
            raise cell_too_long(None)
        if self._utf16 is None:
            self._utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
        if not self._utf16 and _CONTROL_BYTES.search(data) is not None:
            self.dirty = True
            data = _CONTROL_BYTES.sub(REPLACEMENT.encode(), data)
        return data

    def close(self) -> None:
        """Close the wrapped stream."""
        self._raw.close()
