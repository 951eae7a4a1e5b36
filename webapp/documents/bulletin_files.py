"""A bulletin's documents (PDF and Excel), made once when it is produced and kept in the file store.

The documents are the county's official copy, so they are written in the interface's default
language (Chinese) whoever produced them, stored under random keys of the file store
(webapp/infra/storage.py) with their SHA-256, and served as stored: a download years later is
the very file that was sent round.
"""
import io

from flask import current_app
from flask_babel import force_locale, gettext as _

from ..exports import write_xlsx_sheets
from ..infra.storage import photo_store
from .pdf import content_hash, render_pdf

KINDS = {"pdf": (".pdf", "application/pdf"),
         "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def table(bulletin):
    """(headers, rows) of a bulletin's ranking, as the page, the PDF and the Excel show it."""
    headers = [_("名次"), _("乡镇"), _("目标户数"), _("已登记"), _("完成率(%)"), _("超期任务"), _("退回率(%)"),
               _("抽查差错率(%)"), _("领导小组成员")]
    rows = [[r["rank"], r["name"], r["target"], r["registered"], _blank(r["completion_rate"]), r["overdue"],
             _blank(r["return_rate"]), _blank(r.get("spot_check_error_rate")), "、".join(r["leaders"])]
            for r in bulletin.figures["townships"]]
    return headers, rows


def expansion_table(bulletin):
    """(headers, rows) of a bulletin's expansion conversion per township and the county total, or None
    when no expansion list existed by its date. Bulletins stored before the per-township figures show
    the county total alone."""
    expansion = bulletin.figures.get("expansion")
    if not expansion:
        return None
    headers = [_("乡镇"), _("扩面对象(人)"), _("已参保(人)"), _("转化率(%)")]
    rows = [[r["name"], r["targets"], r["converted"], _blank(r["rate"])] for r in expansion.get("townships", ())]
    rows.append([_("全县"), expansion["targets"], expansion["converted"], _blank(expansion["rate"])])
    return headers, rows


def _blank(value):
    return "" if value is None else value


def render(bulletin):
    """(pdf bytes, xlsx bytes) of ``bulletin``, in the default language."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_Hans_CN")):
        headers, rows = table(bulletin)
        expansion = expansion_table(bulletin)
        pdf = render_pdf("documents/bulletin.html", title=_("全民参保登记工作进度通报"), bulletin=bulletin,
                         headers=headers, rows=rows, expansion=expansion)
        sheets = [(_("通报"), headers, rows)]
        if expansion:
            sheets.append((_("参保扩面转化"), *expansion))
        buffer = io.BytesIO()
        write_xlsx_sheets(buffer, sheets)
    return pdf, buffer.getvalue()


def store(bulletin):
    """Render ``bulletin``'s documents and keep them (keys and digests on the row). Caller commits."""
    pdf, xlsx = render(bulletin)
    store_ = photo_store()
    bulletin.pdf_key, bulletin.pdf_sha256 = store_.put(pdf, ".pdf"), content_hash(pdf)
    bulletin.xlsx_key, bulletin.xlsx_sha256 = store_.put(xlsx, ".xlsx"), content_hash(xlsx)
    return bulletin


def load(bulletin, kind):
    """The stored bytes of ``bulletin``'s ``kind`` document (``pdf``/``xlsx``), or None when it has none."""
    key = bulletin.pdf_key if kind == "pdf" else bulletin.xlsx_key
    if not key:
        return None
    return photo_store().get(key)
