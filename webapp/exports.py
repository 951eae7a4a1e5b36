"""Lists to Excel: the one writer every export goes through, streamed from a query in the user's area.

Everything in an export came from somebody's typing or a department's file,
so the writer, not each route, makes it safe:

* no cell is ever a formula: text starting with ``= + - @``, a tab or a CR
  (what Excel or a CSV import would take for a formula) is written as a text
  cell with Excel's quote-prefix style, so it shows as typed and stays text
  even when edited;
* no full ID number leaves: a run of digits shaped like an ID (18 or 15
  digits, valid check digit or not: a wrong check digit is recomputable) is
  masked like everywhere else (and 17 digits: the check digit gives the 18th), in every column but the ones a route names as
  codes (a credit code is not personal); ``id_columns`` are masked whole;
* characters XML cannot carry (NUL and other controls) are dropped instead of
  failing the download.
"""
import io
import re
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .idnumber import mask_id

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# 15 to 18 digits (the last may be X), not part of a longer code: an 18-digit ID, the old
# 15-digit one, or one with a digit missing (the check digit gives the missing digit back).
_ID_RUN = re.compile(r"(?<![0-9A-Za-z])\d{14,17}[\dXx](?![0-9A-Za-z])")
_MIN_ID_DIGITS = 7  # fewer digits than this cannot identify anybody: left as written


def mask_id_text(value) -> str:
    """Mask an ID number as a person typed it (spaces, wrong length or check digit included)."""
    text = "" if value is None else str(value).strip()
    if sum(ch.isdigit() for ch in text) < _MIN_ID_DIGITS:
        return text  # '无', '不详', a few digits: nothing to hide, and the uploader must see it
    return mask_id("".join(text.split()))


def mask_ids_in_text(text: str) -> str:
    """Mask every ID-shaped run of digits inside free text."""
    if len(text) < 15:
        return text
    return _ID_RUN.sub(lambda match: mask_id(match.group()), text)


def mask_digit_runs(text: str) -> str:
    """Hide every run of six or more digits (a birth date quoted in a problem about an ID)."""
    return re.sub(r"\d{6,}", lambda match: "*" * len(match.group()), text or "")


def write_xlsx(stream, sheet_title, headers, rows, *, id_columns=(), code_columns=()):
    """Write ``rows`` under ``headers`` as an .xlsx to ``stream`` through the safe cell rules above.

    ``id_columns``: positions whose values are ID numbers (masked whole);
    ``code_columns``: positions holding codes that are not personal (left unmasked).
    """
    write_xlsx_sheets(stream, [(sheet_title, headers, rows)], id_columns=id_columns, code_columns=code_columns)


def write_xlsx_sheets(stream, sheets, *, id_columns=(), code_columns=()):
    """Write several ``(title, headers, rows)`` sheets as one .xlsx, each as :func:`write_xlsx` writes one."""
    workbook = Workbook(write_only=True)
    id_columns, code_columns = frozenset(id_columns), frozenset(code_columns)
    for sheet_title, headers, rows in sheets:
        sheet = workbook.create_sheet(sheet_title)
        sheet.append([_cell(sheet, str(title), True) for title in headers])
        for row in rows:
            sheet.append([_cell(sheet, mask_id_text(value) if index in id_columns else value,
                                index not in code_columns)
                          for index, value in enumerate(row)])
    workbook.save(stream)


def xlsx_response(filename, sheet_title, headers, rows, *, id_columns=(), code_columns=()):
    """An .xlsx download of ``rows`` (iterables of cells) under ``headers`` (see :func:`write_xlsx`).

    Cells are written as text where they look like identifiers, so Excel keeps leading zeros and
    long numbers (area codes) intact.
    """
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_title, headers, rows, id_columns=id_columns, code_columns=code_columns)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _cell(sheet, value, mask):
    if value.__class__ is not str:  # text is nearly every cell: it goes first
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool) or isinstance(value, float):
            return value
        if isinstance(value, int):
            if mask and 15 <= len(str(abs(value))) <= 18:
                return mask_id(str(value))  # an ID stored as a number is still an ID
            return value
        value = str(value)
    if not value.isprintable():  # tab, CR, LF or a control character: the rare slow path
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if mask and len(value) >= 15:
        value = mask_ids_in_text(value)
    if not value.startswith(_FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl made it a formula; it is text that only looks like one
    cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell
