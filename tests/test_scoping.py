"""Area scoping on every task and case route: other areas' work is invisible, also by URL guessing."""
import pytest

from webapp.extensions import db
from webapp.models import Area, Case, Household, InboxTask, User
from webapp.services.casework import cases as case_service

from .helpers import open_task, task_ids_on, user


@pytest.fixture
def foreign_case(county):
    """A case in another township (东流镇), with a township user there."""

    township = Area.query.filter_by(name="东流镇").one()
    village = Area.query.filter_by(parent_id=township.id).order_by(Area.code).first()
    other = User(username="dongliu", display_name="东流镇社保所", role="township", area=township)
    other.set_password("demo1234")
    db.session.add(other)
    household = Household(household_number="341721101000001", head_name="外乡户", county_code="341721",
                          township_code=township.code, village_code=village.code, address="东流镇某村")
    db.session.add(household)
    db.session.flush()
    case = case_service.start_registration_case(household)
    db.session.commit()
    return case


def test_township_lists_only_its_own_tasks(foreign_case, client):
    client.login("township")
    foreign_row = open_task(foreign_case, "assign_household")
    listed = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    assert listed and foreign_row.id not in listed
    assert all(db.session.get(InboxTask, i).township_code == user("township").area.code for i in listed)


def test_other_areas_task_and_case_answer_404(foreign_case, client):
    row = open_task(foreign_case, "assign_household")
    client.login("township")
    assert client.get(f"/inbox/tasks/{row.id}").status_code == 404
    assert client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox").status_code == 404
    assert client.post(f"/inbox/tasks/{row.id}/unclaim", token_from="/inbox").status_code == 404
    assert client.post(f"/inbox/tasks/{row.id}", {"village_code": "x", "visitor_id": 1},
                       token_from="/inbox").status_code == 404
    assert client.get(f"/cases/{foreign_case.id}").status_code == 404
    assert client.post("/inbox/assign", {"task_ids": [row.id], "village_code": "x", "visitor_id": 1},
                       token_from="/inbox").status_code == 404
    person = foreign_case.household.persons[0] if foreign_case.household.persons else None
    if person is not None:
        assert client.get(f"/registry/persons/{person.id}").status_code == 404
    db.session.expire_all()
    row = db.session.get(InboxTask, row.id)
    assert row.assignee_id is None and row.state == "ready"


def test_case_list_is_scoped(foreign_case, client):
    client.login("township")
    page = client.get("/cases/").get_data(as_text=True)
    assert foreign_case.title not in page
    client.logout()
    client.login("dongliu")
    page = client.get("/cases/").get_data(as_text=True)
    assert foreign_case.title in page
    assert Case.query.filter(Case.township_code == user("township").area.code).first().title not in page


def test_village_user_sees_only_own_village(county, client):
    from webapp.services.casework import tasks

    village1, village2 = user("village1"), user("village2")
    owned = []
    for row, visitor in zip(InboxTask.query.filter_by(task_name="assign_household").limit(2).all(),
                            (village1, village2)):
        case_service.claim(row, user("township"))
        tasks.assign_household(row, user("township"), visitor.area.code, visitor.id)
        owned.append((row.case, visitor))
    db.session.commit()
    client.login("village1")
    theirs = open_task(owned[1][0], "visit_household")
    mine = open_task(owned[0][0], "visit_household")
    assert task_ids_on(client.get("/inbox").get_data(as_text=True)) == [mine.id]
    assert client.get(f"/inbox/tasks/{theirs.id}").status_code == 404
    assert client.get(f"/inbox/tasks/{theirs.id}/forms/new").status_code == 404
    assert client.get(f"/cases/{owned[1][0].id}").status_code == 404
    # A village user cannot claim the township's distribution tasks of its own township either.
    township_row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    assert client.post(f"/inbox/tasks/{township_row.id}/claim", token_from="/inbox").status_code in (403, 404)


def test_wrong_role_cannot_work_a_task_in_scope(county, client):
    row = InboxTask.query.filter_by(task_name="assign_household", state="ready").first()
    client.login("county")  # county staff see the task (county scope) but it is not their lane
    assert client.get(f"/inbox/tasks/{row.id}").status_code == 200
    assert client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox").status_code == 403
    response = client.post(f"/inbox/tasks/{row.id}", {"village_code": user("village1").area.code,
                                                      "visitor_id": user("village1").id}, token_from="/inbox")
    assert response.status_code == 200 and "不属于您的岗位" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).state == "ready"


def test_data_provider_sees_no_personal_records(county, client):
    client.login("gongan")
    assert client.get("/registry/persons").status_code == 403
    assert "data-task" not in client.get("/inbox").get_data(as_text=True)
    import re

    assert not re.search(r'href="/cases/\d+', client.get("/cases/").get_data(as_text=True))


def test_anonymous_is_sent_to_login(county, client):
    row = InboxTask.query.first()
    for url in ("/inbox", f"/inbox/tasks/{row.id}", f"/cases/{row.case_id}", "/registry/persons"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
