"""Issue 13: supervisor pages name areas, collapse villages by township, and offer only eligible people."""
import re

from .helpers import case_at_visit
from .visible import visible_text


def _reassign_options(html):
    select = re.search(r'<select[^>]*name="to_user_id".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_overview_has_no_blank_row_and_villages_fold_by_township(county, client):
    from webapp.models import Area, Case
    from webapp.services.casework import cases

    # County-level work (no township) used to show as a row with no name.
    county_area = Area.query.filter_by(level="county").first()
    cases.start_case("problem", "problem_data", "问题数据：测试", county_area)
    case_at_visit()
    from webapp.extensions import db
    db.session.commit()
    client.login("supervisor")
    html = client.get("/supervision/").get_data(as_text=True)
    township_table = re.search(r'id="by-township".*?</table>', html, re.S).group(0)
    for row in re.findall(r"<tr data-area[^>]*>(.*?)</tr>", township_table, re.S):
        assert re.search(r"<td>\s*\S", row), row  # every row has a name
    assert "县级（未分到乡镇）" in township_table
    assert '<details class="township-villages"' in html and "个村(社区)" in html
    assert Case.query.count() > 0


def test_task_list_names_areas_and_reassign_offers_eligible_people_with_load(county, client):
    case_at_visit()
    client.login("supervisor")
    html = client.get("/supervision/tasks?due=all").get_data(as_text=True)
    table = visible_text(re.search(r'<table class="list" id="supervision-tasks">.*?</table>', html, re.S).group(0))
    assert not re.search(r"(?<!\d)\d{12}(?!\d)", table)  # names, not area codes
    village_only = client.get("/supervision/tasks?due=all&lane=village").get_data(as_text=True)
    options = _reassign_options(village_only)
    assert options and all("村(社区)协理员" in o and "在办" in o for o in options), options
    assert any("在办 1 件" in o for o in options)  # village1 has the visit
