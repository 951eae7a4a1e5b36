"""Conflicts between change requests: detected and shown, re-checked on apply, never overwriting a newer value."""
from webapp.extensions import db
from webapp.models import CaseEvent, ChangeRequest, Person
from webapp.services.casework import changes

from .helpers import open_task, user
from .test_dynamic_change import raise_change, registered_person, request_of, review_change


def _phone(client, person, who, phone):
    return raise_change(client, person, who=who, kind="correction", field="phone", text_value=phone,
                  reason=f"电话改为 {phone}")


def test_two_open_requests_on_one_field_are_shown_and_the_second_cannot_overwrite(county, client):
    person = registered_person()
    first = _phone(client, person, "village1", "13900000001")  # township reviews
    second = _phone(client, person, "township", "13900000002")  # county reviews
    first_request, second_request = request_of(first), request_of(second)

    client.login("county")
    listing = client.get("/changes/?status=open").get_data(as_text=True)
    assert listing.count("同项目有其他申请") == 2
    row = open_task(second, "review_change")
    html = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    assert 'id="conflict-warning"' in html and f"#{first_request.id}" in html
    # The person's household is still in its registration case: shown too.
    assert 'id="open-case-warning"' in html
    client.logout()

    assert review_change(client, first, "approve", reviewer="township").status_code == 302
    assert db.session.get(Person, person.id).phone == "13900000001"
    # Applying the first re-checked the second: its timeline says so, its page shows the stale value.
    assert CaseEvent.query.filter_by(case_id=second.id, kind="conflict_recheck").count() == 1
    client.login("county")
    html = client.get(f"/changes/{second_request.id}").get_data(as_text=True)
    assert 'id="stale-warning"' in html and "13900000001" in html
    client.logout()

    refused = review_change(client, second, "approve")
    assert refused.status_code == 200 and "不能覆盖较新的值" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).phone == "13900000001"
    assert open_task(second, "review_change") is not None  # still waiting for a decision
    review_change(client, second, "reject", "原值已变更，按现值重新申报")
    assert request_of(second).status == "rejected"
    client.login("county")
    assert "同项目有其他申请" not in client.get("/changes/?status=all").get_data(as_text=True)


def test_the_apply_step_refuses_a_value_changed_after_approval_began(county, client):
    """The service task re-checks too: a value changed outside the request is never overwritten."""
    person = registered_person()
    case = raise_change(client, person, who="township", kind="correction", field="phone", text_value="1",
                  reason="电话")
    change = request_of(case)
    person.phone = "changed elsewhere"
    db.session.commit()
    assert changes.apply(change, user("county"), case) is False
    db.session.commit()
    change = request_of(case)
    assert change.status == "refused" and "不能覆盖" in change.outcome_note
    assert db.session.get(Person, person.id).phone == "changed elsewhere"
    assert CaseEvent.query.filter_by(case_id=case.id, kind="change_refused").count() == 1


def test_change_lists_are_area_scoped(county, client):
    person = registered_person()
    _phone(client, person, "village1", "13900000003")
    assert ChangeRequest.query.count() == 1
    client.login("village2")
    assert "13900000003" not in client.get("/changes/?status=all").get_data(as_text=True)
    assert client.get(f"/changes/{ChangeRequest.query.one().id}").status_code == 404
    client.logout()
    client.login("village1")
    assert "13900000003" in client.get("/changes/?status=all").get_data(as_text=True)
