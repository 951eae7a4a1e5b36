"""The periodic village survey offline, server side: the package lists the survey's households,
confirmations and changes sync once (a replay changes nothing), a change whose value moved on in
the registry is kept as a conflict, the survey completes only when every household is done."""
from datetime import date

import pytest

from webapp import clock
from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import Case, ChangeRequest, Household, OfflineEntry, Person, SurveyHousehold, VillageSurvey
from webapp.services.casework import offline_surveys, surveys

from .helpers import case_at_visit, open_task, user
from .test_offline_sync import Phone, key

pytestmark = pytest.mark.usefixtures("county")


def open_survey():
    """A survey of village1's village (a second household added), opened by its schedule today."""
    village = user("village1").area
    household = Household(household_number="HH-SURVEY-2", head_name="钱二", address="村东二组",
                          county_code=village.county_code, township_code=village.township_code,
                          village_code=village.code)
    db.session.add(household)
    db.session.flush()
    db.session.add(Person(id_number=make_id(village.county_code, date(1970, 3, 4), 21), name="钱二",
                          household_id=household.id, county_code=village.county_code,
                          township_code=village.township_code, village_code=village.code, phone="13500000000"))
    surveys.set_schedule(village, 90, clock.now().date(), user("township"))
    surveys.open_due_surveys(clock.now().date())
    db.session.commit()
    survey = VillageSurvey.query.one()
    return survey, open_task(db.session.get(Case, survey.case_id), "conduct_survey")


def change_data(household, person, **overrides):
    data = {"household_id": household["household_id"], "person_id": person["person_id"], "change-kind": "correction",
            "change-field": "phone", "change-status_value": "normal", "change-scheme_value": "",
            "change-text_value": "13900001111", "change-household_number": "", "change-reason": "入户调查：电话已换",
            "change-evidence": "", "seen_value": person["values"]["phone"]}
    data.update(overrides)
    return data


def entry(survey_task, kind, data):
    return {"key": key(), "kind": kind, "task_id": survey_task["task_id"], "version": survey_task["version"],
            "data": data, "entered_at": "2026-11-30T10:00"}


def test_the_survey_rows_are_the_survey_tasks_and_no_other_village_task():
    _survey, row = open_survey()
    visit = open_task(case_at_visit(), "visit_household")  # ready, village lane, village1's: not a survey
    assert visit.lane == "village" and visit.village_code == row.village_code
    assert offline_surveys.survey_rows(user("village1")) == [row]


def test_survey_done_offline_syncs_once(client):
    survey, row = open_survey()
    client.login("village1")
    phone = Phone(client)
    package = phone.package()
    task = next(s for s in package["surveys"] if s["task_id"] == row.id)
    assert open_task(db.session.get(Case, survey.case_id), "conduct_survey").assignee_id == user("village1").id
    households = task["households"]
    assert len(households) == SurveyHousehold.query.filter_by(survey_id=survey.id).count() >= 2
    changed, others = households[0], households[1:]
    person = changed["members"][0]
    items = [entry(task, "survey_change", change_data(changed, person)),
             entry(task, "survey_change", change_data(changed, person, **{
                 "change-kind": "death", "change-field": "", "change-text_value": "",
                 "change-reason": "入户调查：已去世", "seen_value": person["values"]["status"]}))]
    items += [entry(task, "survey_confirm", {"household_id": h["household_id"]}) for h in others]
    items.append(entry(task, "survey_done", {"survey_note": "离线调查完毕"}))
    answer = phone.sync({"items": items, "queue_length": len(items)})
    assert [r["status"] for r in answer["results"]] == ["done"] * len(items), answer
    again = phone.sync({"items": items, "queue_length": 0})  # a lost answer: the phone sends it all again
    assert all(r.get("replayed") for r in again["results"])
    db.session.expire_all()
    survey = db.session.get(VillageSurvey, survey.id)
    assert survey.status == "completed"
    raised = ChangeRequest.query.filter_by(person_id=person["person_id"]).all()
    assert sorted(r.kind for r in raised) == ["correction", "death"] and {r.origin for r in raised} == {"village"}
    outcomes = {sh.household_id: sh.outcome for sh in surveys.households_of(survey)}
    assert outcomes[changed["household_id"]] == "changes_raised"
    assert all(outcomes[h["household_id"]] == "confirmed" for h in others)


def test_unfinished_and_conflicting_survey_entries(client):
    survey, row = open_survey()
    client.login("village1")
    phone = Phone(client)
    task = next(s for s in phone.package()["surveys"] if s["task_id"] == row.id)
    first = task["households"][0]
    person = first["members"][0]
    # Finishing with households left is refused with the online page's reason.
    done = phone.sync(entry(task, "survey_done", {"survey_note": ""}))
    assert done["status"] == "refused" and "未调查" in done["message"]
    # The registry changed the phone number while the phone was offline: kept, not overwritten.
    db.session.get(Person, person["person_id"]).phone = "13800000000"
    db.session.commit()
    conflict = phone.sync(entry(task, "survey_change", change_data(first, person)))
    assert conflict["status"] == "conflict" and conflict["reason"] == "changed"
    assert ChangeRequest.query.count() == 0
    kept = OfflineEntry.query.filter_by(case_id=survey.case_id).one()
    assert kept.kind == "survey_change" and kept.data["change-text_value"] == "13900001111"
    # A household not on the survey is refused.
    stranger = phone.sync(entry(task, "survey_confirm", {"household_id": 999999}))
    assert stranger["status"] == "refused"
