"""Dynamic change (变更登记): every kind raised, reviewed by the right role, applied with history."""
import pytest

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import Case, ChangeRequest, Household, Person, RegistrationHistory
from webapp.services.casework import registry

from .helpers import open_task, user


def registered_person(village="village1"):
    """A person of ``village``'s village with an audited registration record."""
    person = Person.query.filter_by(village_code=user(village).area.code).order_by(Person.id).first()
    registry.write_record(person, {"status": "normal", "outcome_code": "unwilling"}, None,
                          reason="入户调查经县级审核通过", source="survey")
    db.session.commit()
    return person


def _post(client, who, page, data):
    client.login(who)
    response = client.post(page, data, token_from=page)
    client.logout()
    return response


def raise_change(client, person, who="township", **data):
    """Raise a change for ``person`` through the page; returns the case reviewing it."""
    if "kind" not in data:  # the older tests' shorthand: status=... is a status change
        data = dict(data, kind="status", status_value=data.pop("status"))
    form = {"kind": "", "field": "", "status_value": "normal", "scheme_value": "", "text_value": "",
            "household_number": "", "reason": "", "evidence": ""}
    form.update(data)
    response = _post(client, who, f"/registry/persons/{person.id}/change", form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    return db.session.get(Case, int(response.headers["Location"].rsplit("/", 1)[1]))


def review_change(client, case, decision, comment="", reviewer="county"):
    task = "review_change" if reviewer == "county" else "township_review_change"
    row = open_task(case, task)
    assert row is not None, f"no {task} on case {case.id}"
    client.login(reviewer)
    page = f"/inbox/tasks/{row.id}"
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    response = client.post(page, {"decision": decision, "comment": comment}, token_from=page)
    client.logout()
    return response


def request_of(case):
    db.session.expire_all()
    return ChangeRequest.query.filter_by(case_id=case.id).one()


def _history(change):
    return RegistrationHistory.query.filter_by(change_request_id=change.id).one()


# kind, who raises, form data, who reviews, (field, value read back after applying)
PERSON_KINDS = [
    ("death", "agency", {}, "county", lambda p: p.status, "deceased"),
    ("move_out", "township", {}, "county", lambda p: p.status, "moved_away"),
    ("status", "village1", {"status_value": "military"}, "county", lambda p: p.status, "military"),
    ("scheme", "village1", {"field": "pension_scheme", "scheme_value": "resident_pension"}, "township",
     lambda p: p.record.data.get("pension_scheme"), "resident_pension"),
    ("correction", "village1", {"field": "phone", "text_value": "13900001111"}, "township",
     lambda p: p.phone, "13900001111"),
    ("correction", "village1", {"field": "name", "text_value": "王更正"}, "county", lambda p: p.name, "王更正"),
    ("household_split", "township", {"household_number": "341721100001999"}, "county",
     lambda p: p.household.household_number, "341721100001999"),
]


@pytest.mark.parametrize("kind, raiser, data, reviewer, read, expected", PERSON_KINDS,
                         ids=[f"{k[0]}-{k[1]}" for k in PERSON_KINDS])
def test_each_kind_is_raised_reviewed_by_the_right_role_and_applied_with_history(
        county, client, kind, raiser, data, reviewer, read, expected):
    person = registered_person()
    before = read(person)
    case = raise_change(client, person, who=raiser, kind=kind, reason=f"{kind} 测试原因", evidence="证明编号 A-1", **data)
    change = request_of(case)
    assert change.reviewer_role == reviewer and change.status == "open"
    assert read(db.session.get(Person, person.id)) == before  # nothing changes before review
    # The other level does not get the task.
    assert open_task(case, "township_review_change" if reviewer == "county" else "review_change") is None
    assert review_change(client, case, "approve", reviewer=reviewer).status_code == 302
    change = request_of(case)
    person = db.session.get(Person, person.id)
    assert change.status == "applied" and read(person) == expected
    history = _history(change)
    assert history.case_id == case.id and history.reason == f"{kind} 测试原因"
    assert history.changed_by.username == reviewer
    assert list(history.after.values()) == [expected] and list(history.before.values()) == [before]
    assert db.session.get(Case, case.id).status == "completed"
    client.login(reviewer)
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    assert "变更历史" in page and f"#{case.id}" in page and f"变更申请 #{change.id}" in page


def test_merging_into_another_household(county, client):
    person = registered_person()
    other = Household.query.filter(Household.id != person.household_id).first()
    case = raise_change(client, person, who="township", kind="household_merge", household_number=other.household_number,
                  reason="并入亲属户", evidence="户口簿")
    review_change(client, case, "approve")
    assert db.session.get(Person, person.id).household_id == other.id


def test_merging_into_an_unknown_household_is_refused_on_the_form(county, client):
    person = registered_person()
    response = _post(client, "township", f"/registry/persons/{person.id}/change",
                     {"kind": "household_merge", "household_number": "999", "reason": "并户", "field": "",
                      "status_value": "normal", "scheme_value": "", "text_value": "", "evidence": ""})
    assert response.status_code == 200 and "并入的户号不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind, raiser", [("birth", "village1"), ("move_in", "agency")])
def test_a_new_person_is_raised_reviewed_and_enters_the_registry(county, client, kind, raiser):
    household = Person.query.filter_by(village_code=user("village1").area.code).first().household
    from datetime import date
    id_number = make_id("341721", date(2026, 3, 1), 777)
    response = _post(client, raiser, "/changes/new-person",
                     {"kind": kind, "id_number": id_number, "name": "新生儿", "relation_to_head": "子",
                      "household_number": household.household_number, "village_code": user("village1").area.code,
                      "reason": "出生登记", "evidence": "出生医学证明 Q123"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    change = ChangeRequest.query.filter_by(id_number=id_number).one()
    assert change.reviewer_role == "county" and change.person_id is None
    review_change(client, change.case, "approve")
    person = Person.query.filter_by(id_number=id_number).one()
    assert person.household_id == household.id and person.village_code == user("village1").area.code
    assert _history(request_of(change.case)).person_id == person.id


def test_rejected_change_keeps_its_reason_and_leaves_the_record_alone(county, client):
    person = registered_person()
    case = raise_change(client, person, kind="death", reason="据村民反映已死亡")
    review_change(client, case, "reject", "无死亡证明")
    change = request_of(case)
    assert change.status == "rejected" and change.outcome_note == "无死亡证明"
    client.login("township")  # the case page shows the request and why it was rejected
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="change-request"' in page and "无死亡证明" in page and "已驳回" in page
    assert change.decided_by.username == "county"
    assert db.session.get(Person, person.id).status == "normal"
    assert RegistrationHistory.query.filter_by(person_id=person.id).count() == 1


def test_a_change_equal_to_the_current_value_is_refused(county, client):
    person = registered_person()
    response = _post(client, "township", f"/registry/persons/{person.id}/change",
                     {"kind": "status", "status_value": "normal", "reason": "无变化", "field": "",
                      "scheme_value": "", "text_value": "", "household_number": "", "evidence": ""})
    assert response.status_code == 200 and "与登记库现值相同" in response.get_data(as_text=True)


def test_village_staff_cannot_raise_changes_outside_their_village(county, client):
    person = Person.query.filter(Person.village_code != user("village1").area.code,
                                 Person.village_code.isnot(None)).first()
    client.login("village1")
    assert client.get(f"/registry/persons/{person.id}/change").status_code == 404


def test_person_page_shows_each_change_as_before_and_after_in_words(county, client):
    person = registered_person()
    case = raise_change(client, person, kind="death", reason="死亡")
    review_change(client, case, "approve")
    client.login("county")
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    changes = page[page.index("变更历史"):]
    from webapp.labels import label
    assert f"{label('normal', 'PERSON_STATUS')} → {label('deceased', 'PERSON_STATUS')}" in changes
    assert "deceased" not in changes


def test_a_correction_without_a_value_or_a_scheme_in_the_wrong_item_is_refused(county, client):
    person = registered_person()
    base = {"field": "", "status_value": "normal", "scheme_value": "", "text_value": "", "household_number": "",
            "reason": "更正", "evidence": ""}
    for data in ({"kind": "correction", "field": "phone"},
                 {"kind": "scheme", "field": "medical_scheme", "scheme_value": "resident_pension"}):
        response = _post(client, "village1", f"/registry/persons/{person.id}/change", dict(base, **data))
        assert response.status_code == 200 and "请填写申请变更的新值" in response.get_data(as_text=True)
    assert ChangeRequest.query.count() == 0
