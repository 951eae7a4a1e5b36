"""Issue 13: exports carry the same labels as the pages, not coded values."""
import io

from openpyxl import load_workbook

from webapp.models import Person
from webapp.services.casework import registry
from webapp.extensions import db


def _cells(response):
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]


def test_case_and_person_exports_show_labels(county, client):
    person = Person.query.first()
    registry.write_record(person, {"status": "normal", "outcome_code": "unwilling"}, None, reason="测试", source="survey")
    db.session.commit()
    client.login("county")
    cells = _cells(client.get("/cases/export.xlsx"))
    assert "入户登记" in cells and "办理中" in cells
    assert not {"registration", "open", "assign_household"} & set(cells)
    cells = _cells(client.get("/registry/persons/export.xlsx"))
    assert "不愿参保" in cells and "unwilling" not in cells and "否" in cells
