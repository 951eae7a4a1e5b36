"""One registration case walked through every role with the test client, returns included."""
from webapp.extensions import db
from webapp.models import Area, CaseEvent, Person, RegistrationHistory

from .helpers import case_in_village, open_task, registration_form_data, user


def assign_step(client, case, village_code, visitor):
    row = open_task(case, "assign_household")
    client.login("township")
    assert client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team").status_code == 302
    response = client.post(f"/inbox/tasks/{row.id}", {"village_code": village_code, "visitor_id": visitor.id},
                           token_from=f"/inbox/tasks/{row.id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    client.logout()


def visit_step(client, case):
    row = open_task(case, "visit_household")
    assert row is not None and row.assignee.username == "village1"
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    for person in case.household.persons:
        response = client.post(f"{page}/forms/{person.id}", registration_form_data(person), token_from=page)
        assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    response = client.post(page, {"visit_result": "completed", "visit_date": "2026-11-28",
                                  "policy_explained": "y"}, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    client.logout()


def review_step(client, username, case, task_name, decision, comment=""):
    row = open_task(case, task_name)
    assert row is not None, f"{task_name} not open"
    client.login(username)
    page = f"/inbox/tasks/{row.id}"
    if row.assignee_id is None:
        client.post(f"{page}/claim", token_from="/inbox?view=team")
    response = client.post(page, {"decision": decision, "comment": comment}, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    client.logout()
    return row


def test_case_through_every_role_with_returns(county, client):
    case = case_in_village()
    village = Area.query.filter_by(code=user("village1").area.code).one()
    assign_step(client, case, village.code, user("village1"))
    db.session.expire_all()
    assert case.visitor.username == "village1" and case.village_code == village.code

    visit_step(client, case)
    review_step(client, "township", case, "first_review", "return", "户主电话缺失，请补充")
    # The return reaches the same visitor, with the reason on the task.
    returned = open_task(case, "visit_household")
    assert returned.assignee.username == "village1"
    assert returned.return_reason == "户主电话缺失，请补充"
    client.login("village1")
    assert "户主电话缺失，请补充" in client.get(f"/inbox/tasks/{returned.id}").get_data(as_text=True)
    client.logout()

    visit_step(client, case)
    first = review_step(client, "township", case, "first_review", "approve")
    review_step(client, "county", case, "county_audit_review", "return", "参保地填写有误")
    # Back at the township, to the person who did the first review.
    again = open_task(case, "first_review")
    assert again.assignee_id == first.completed_by_id
    assert again.return_reason == "参保地填写有误"
    review_step(client, "township", case, "first_review", "approve")
    review_step(client, "county", case, "county_audit_review", "approve")

    db.session.expire_all()
    assert case.status == "completed"
    for person in case.household.persons:
        person = db.session.get(Person, person.id)
        assert person.record is not None and person.record.source == "survey"
        history = RegistrationHistory.query.filter_by(person_id=person.id).all()
        assert len(history) == 1 and history[0].case_id == case.id
        assert history[0].changed_by.username == "county"

    client.login("county")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "参保地填写有误" in page and "户主电话缺失，请补充" in page
    kinds = [e.kind for e in CaseEvent.query.filter_by(case_id=case.id).order_by(CaseEvent.id)]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    assert kinds.count("task_completed") == 8  # assign, visit x2, first review x3, audit x2


def test_visit_cannot_finish_with_a_person_missing(county, client):
    case = case_in_village()
    assign_step(client, case, user("village1").area.code, user("village1"))
    row = open_task(case, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    response = client.post(page, {"visit_result": "completed", "visit_date": "2026-11-28"}, token_from=page)
    assert response.status_code == 200
    assert "尚未填写登记表" in response.get_data(as_text=True)
    assert open_task(case, "visit_household") is not None


def test_not_at_home_means_a_revisit(county, client):
    case = case_in_village()
    assign_step(client, case, user("village1").area.code, user("village1"))
    row = open_task(case, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    response = client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-11-28",
                                  "visit_comment": "家中无人"}, token_from=page)
    assert response.status_code == 302
    revisit = open_task(case, "visit_household")
    assert revisit is not None and revisit.id != row.id
    assert revisit.assignee.username == "village1" and revisit.return_reason == "家中无人"
