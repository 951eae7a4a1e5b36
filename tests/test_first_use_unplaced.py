"""Issue 13: a household no village matched waits in the county's 待定位 queue, then goes the normal way."""
from webapp.extensions import db
from webapp.models import Household, Person
from webapp.services.casework import cases

from .helpers import open_task, task_ids_on, user
from .visible import visible_text


def _unplaced_case():
    household = Household(household_number="341721999000001", address="东至县某地（地址不详）", county_code="341721",
                          head_name="无村户")
    db.session.add(household)
    db.session.add(Person(id_number="341721198001020133", name="无村户", household=household, county_code="341721",
                          status="normal"))
    db.session.flush()
    case = cases.start_registration_case(household)
    db.session.commit()
    return case


def test_county_places_an_unplaced_household_and_the_township_distributes_it(county, client):
    case = _unplaced_case()
    row = open_task(case, "assign_household")
    client.login("township")
    assert row.id not in task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    client.logout()

    client.login("county")
    page = visible_text(client.get("/cases/unplaced").get_data(as_text=True))
    assert "待定位" in page and case.title in page
    village = user("village1").area
    response = client.post(f"/cases/{case.id}/place", {"village_code": "999"}, token_from="/cases/unplaced",
                           follow_redirects=True)
    assert "请选择本县的村(社区)" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/place", {"village_code": village.code}, token_from="/cases/unplaced",
                           follow_redirects=True)
    text = visible_text(response.get_data(as_text=True))
    assert "转乡镇分配" in text and case.title not in text.split("定位", 1)[-1].split("已将")[0]
    timeline = visible_text(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "定位到村(社区)" in timeline and village.name in timeline
    client.logout()

    db.session.expire_all()
    client.login("township")
    assert row.id in task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team")
    html = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    assert f'<option selected value="{village.code}"' in html or f'value="{village.code}" selected' in html
    visitor = user("village1")
    response = client.post(f"/inbox/tasks/{row.id}", {"village_code": village.code, "visitor_id": visitor.id},
                           token_from=f"/inbox/tasks/{row.id}")
    assert response.status_code == 302
    assert open_task(case, "visit_household").assignee_id == visitor.id


def test_only_county_staff_place_households(county, client):
    case = _unplaced_case()
    client.login("township")
    assert client.get("/cases/unplaced").status_code == 403
    assert client.post(f"/cases/{case.id}/place", {"village_code": user("village1").area.code},
                       token_from="/inbox").status_code == 403
