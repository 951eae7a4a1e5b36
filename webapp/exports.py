"""Lists to Excel: one helper for every export, streamed from a query in the user's area."""
import io
from datetime import date, datetime

from flask import send_file
from openpyxl import Workbook


def xlsx_response(filename, sheet_title, headers, rows):
    """An .xlsx download of ``rows`` (iterables of cells) under ``headers``.

    Cells are written as text where they look like identifiers, so Excel keeps leading zeros and
    long numbers (ID numbers, area codes) intact.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([str(title) for title in headers])
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return value if isinstance(value, (int, float)) else str(value)
