"""The expansion conversion in a bulletin's stored PDF and Excel: per township and for the county, as of
the bulletin's date, so re-producing a past bulletin after a later conversion gives the same figures."""
import io

from openpyxl import load_workbook

from webapp.extensions import db
from webapp.infra.storage import photo_store
from webapp.models import ExpansionTarget
from webapp.services.campaign import bulletins

from .pdf_support import assert_cjk_embedded, pdf_text
from .test_expansion import LATER, PEOPLE, enrollment_rows, first_list, register_rows, run_comparison, village_of_test

EVEN_LATER = LATER.replace(month=12)


def _enrolled(*indexes):
    return "".join(f"{PEOPLE[i][1]},{PEOPLE[i][0]},{scheme},正常参保,\n" for i in indexes
                   for scheme in ("城乡居民养老保险", "新农合"))


def _stored(bulletin, tmp_path):
    path = tmp_path / f"bulletin-{bulletin.id}.pdf"
    path.write_bytes(photo_store().get(bulletin.pdf_key))
    sheet = load_workbook(io.BytesIO(photo_store().get(bulletin.xlsx_key)))["参保扩面转化"]
    return pdf_text(str(path)), [list(row) for row in sheet.iter_rows(values_only=True)], path


def test_the_stored_pdf_and_excel_carry_the_expansion_per_township(county, client, tmp_path):
    run = first_list(tmp_path)
    run_comparison(tmp_path, "2", LATER, register_rows(village_of_test()), enrollment_rows(_enrolled(0, 3)))
    township = village_of_test().parent
    bulletin = bulletins.produce(run.county_code, LATER)
    db.session.commit()
    expansion = bulletin.figures["expansion"]
    assert expansion["townships"] == [{"code": township.code, "name": township.name, "targets": 6,
                                       "converted": 2, "rate": 33.3}]
    text, sheet, path = _stored(bulletin, tmp_path)
    assert_cjk_embedded(str(path))
    assert "参保扩面转化" in text
    township_line = next(line for line in text.splitlines() if township.name in line and "33.3" in line)
    assert township_line.split()[-3:] == ["6", "2", "33.3"]
    county_line = next(line for line in text.splitlines() if line.strip().startswith("全县") and "33.3" in line)
    assert county_line.split()[-3:] == ["6", "2", "33.3"]
    assert sheet == [["乡镇", "扩面对象(人)", "已参保(人)", "转化率(%)"], [township.name, 6, 2, 33.3],
                     ["全县", 6, 2, 33.3]]
    client.login("county")
    page = client.get(f"/dashboard/bulletins/{bulletin.id}").get_data(as_text=True)
    assert 'id="bulletin-expansion-table"' in page and township.name in page

    # A later run converts two more; the bulletin re-produced for its date shows the same figures.
    run_comparison(tmp_path, "3", EVEN_LATER, register_rows(village_of_test()),
                   enrollment_rows(_enrolled(0, 3, 1, 4)))
    db.session.expire_all()
    assert ExpansionTarget.query.filter(ExpansionTarget.run_id == run.id,
                                        ExpansionTarget.converted_run_id.isnot(None)).count() == 4
    again = bulletins.produce(run.county_code, LATER)
    latest = bulletins.produce(run.county_code, EVEN_LATER)
    db.session.commit()
    assert again.figures["expansion"] == expansion
    again_text, again_sheet, _path = _stored(again, tmp_path)
    assert again_sheet == sheet
    assert [line for line in again_text.splitlines() if "33.3" in line] == \
        [line for line in text.splitlines() if "33.3" in line]
    assert latest.figures["expansion"]["townships"][0]["converted"] == 4
    assert _stored(latest, tmp_path)[1][-1] == ["全县", 6, 4, 66.7]
