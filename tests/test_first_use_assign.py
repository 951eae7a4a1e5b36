"""Issue 13: distributing offers each village's own visitors; the server takes no other."""
import re

from .helpers import case_in_village, open_task, user


def _options(html):
    select = re.search(r'<select[^>]*name="visitor_id".*?</select>', html, re.S).group(0)
    options = {}
    for option in re.findall(r"<option[^>]*>", select):
        value, village = re.search(r'value="(\d+)"', option), re.search(r'data-village="(\d+)"', option)
        options[value.group(1)] = village.group(1) if village else None
    return options


def test_visitor_options_carry_their_village_and_a_mismatch_is_refused(county, client):
    case = case_in_village()
    row = open_task(case, "assign_household")
    client.login("township")
    client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team")
    page = f"/inbox/tasks/{row.id}"
    html = client.get(page).get_data(as_text=True)
    village1, village2 = user("village1"), user("village2")
    assert _options(html) == {str(village1.id): village1.area.code, str(village2.id): village2.area.code}
    assert "assign_visitors.js" in html and "onclick" not in html.split("<main", 1)[-1].split("</main>")[0]
    response = client.post(page, {"village_code": village2.area.code, "visitor_id": village1.id}, token_from=page)
    assert response.status_code == 200 and "责任人必须是所选村(社区)的协理员" in response.get_data(as_text=True)
    assert open_task(case, "visit_household") is None


def test_bulk_form_visitors_carry_their_village(county, client):
    client.login("township")
    html = client.get("/inbox?view=team").get_data(as_text=True)
    village1 = user("village1")
    assert _options(html)[str(village1.id)] == village1.area.code
    assert "assign_visitors.js" in html
    assert client.get("/static/assign_visitors.js").status_code == 200
