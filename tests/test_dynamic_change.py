"""Dynamic change: raised by the agency or a township, reviewed by the county, applied with history."""
from webapp.extensions import db
from webapp.models import Person, RegistrationHistory
from webapp.services.casework import registry

from .helpers import open_task


def _registered_person():
    person = Person.query.first()
    registry.write_record(person, {"status": "normal", "outcome_code": "unwilling"}, None,
                          reason="入户调查经县级审核通过", source="survey")
    db.session.commit()
    return person


def _raise(client, person, **changes):
    client.login("township")
    page = f"/registry/persons/{person.id}/change"
    data = {"status": "", "outcome_code": "", "pension_scheme": "-", "medical_scheme": "-"}
    data.update(changes)
    response = client.post(page, data, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    client.logout()
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    from webapp.models import Case
    return db.session.get(Case, case_id)


def _review(client, case, decision, comment=""):
    row = open_task(case, "review_change")
    client.login("county")
    page = f"/inbox/tasks/{row.id}"
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    response = client.post(page, {"decision": decision, "comment": comment}, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    client.logout()


def test_approved_change_is_applied_with_history(county, client):
    person = _registered_person()
    case = _raise(client, person, outcome_code="011", reason="已在本地参加城乡居民养老保险")
    assert person.record.outcome_code == "unwilling"  # nothing changes before review
    _review(client, case, "approve")
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.record.outcome_code == "011" and person.record.insured
    history = RegistrationHistory.query.filter_by(person_id=person.id).order_by(RegistrationHistory.id).all()
    assert len(history) == 2
    assert history[-1].case_id == case.id and history[-1].reason == "已在本地参加城乡居民养老保险"
    assert history[-1].before["outcome_code"] == "unwilling" and history[-1].after["outcome_code"] == "011"
    assert history[-1].changed_by.username == "county"
    assert db.session.get(type(case), case.id).status == "completed"


def test_rejected_change_leaves_the_record_alone(county, client):
    person = _registered_person()
    case = _raise(client, person, status="deceased", reason="据村民反映已死亡")
    _review(client, case, "reject", "无死亡证明")
    db.session.expire_all()
    assert db.session.get(Person, person.id).record.data["status"] == "normal"
    assert RegistrationHistory.query.filter_by(person_id=person.id).count() == 1


def test_village_staff_cannot_raise_changes(county, client):
    person = _registered_person()
    client.login("village1")
    assert client.get(f"/registry/persons/{person.id}/change").status_code == 403


def test_person_page_shows_each_change_as_before_and_after_in_words(county, client):
    person = _registered_person()
    case = _raise(client, person, outcome_code="011", reason="已在本地参加城乡居民养老保险")
    _review(client, case, "approve")
    client.login("county")
    page = client.get(f"/registry/persons/{person.id}").get_data(as_text=True)
    changes = page[page.index("变更历史"):]
    # The outcome went from the coded "unwilling" to 011, shown in words on both sides.
    from webapp.labels import label
    assert f"{label('unwilling', 'OUTCOME_CODES')} → {label('011', 'OUTCOME_CODES')}" in changes
    assert "unwilling" not in changes
