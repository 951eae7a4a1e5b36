"""Periodic village survey (定期调查): a schedule opens the assistant's task once; the survey confirms
households and raises two changes; the survey task has a deadline that escalates like others."""
from datetime import timedelta

from webapp import clock
from webapp.extensions import db
from webapp.models import Case, ChangeRequest, InboxTask, Household, SurveySchedule, VillageSurvey
from webapp.services.casework import surveys, timers

from .helpers import open_task, user


def _schedule_today(client):
    village = user("village1").area
    client.login("township")
    today = clock.now().date()
    response = client.post("/changes/surveys", {"village_code": village.code, "every_days": "90",
                                                "next_due": today.isoformat()}, token_from="/changes/surveys")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    client.logout()
    return village, today


def test_a_schedule_opens_one_survey_task_per_due_date(county, client):
    village, today = _schedule_today(client)
    assert surveys.open_due_surveys(today) == 1
    db.session.commit()
    assert surveys.open_due_surveys(today) == 0  # the job run twice opens nothing new
    db.session.commit()
    survey = VillageSurvey.query.one()
    row = open_task(db.session.get(Case, survey.case_id), "conduct_survey")
    assert row.lane == "village" and row.village_code == village.code and row.due_at is not None
    assert SurveySchedule.query.one().next_due == today + timedelta(days=90)
    client.login("village1")
    assert f'data-task="{row.id}"' in client.get("/inbox?view=team").get_data(as_text=True) or \
        f'data-task="{row.id}"' in client.get("/inbox?view=mine").get_data(as_text=True)
    # Overdue: the deadline escalates like any other task's.
    timers.escalate_overdue(now=row.due_at + timedelta(hours=1))
    db.session.commit()
    assert db.session.get(InboxTask, row.id).overdue


def test_a_survey_confirms_households_and_raises_two_changes(county, client):
    village, today = _schedule_today(client)
    surveys.open_due_surveys(today)
    db.session.commit()
    survey = VillageSurvey.query.one()
    row = open_task(db.session.get(Case, survey.case_id), "conduct_survey")
    households = Household.query.filter_by(village_code=village.code).order_by(Household.id).all()
    assert households, "the demo village has households"
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    html = client.get(page).get_data(as_text=True)
    assert all(h.household_number in html for h in households)
    # Not finished while a household is left.
    refused = client.post(page, {"survey_note": ""}, token_from=page)
    assert refused.status_code == 200 and "未调查" in refused.get_data(as_text=True)
    changed, others = households[0], households[1:]
    for household in others:
        client.post(f"/changes/surveys/{survey.id}/households/{household.id}", {"task_id": row.id}, token_from=page)
    person = changed.persons[0]
    for data in ({"kind": "death", "reason": "入户调查：已去世", "evidence": "村委会证明"},
                 {"kind": "correction", "field": "phone", "text_value": "13911112222", "reason": "电话已换"}):
        form = {"kind": "", "field": "", "status_value": "normal", "scheme_value": "", "text_value": "",
                "household_number": "", "reason": "", "evidence": ""}
        form.update(data)
        url = f"/registry/persons/{person.id}/change?survey={survey.id}"
        response = client.post(url, form, token_from=url)
        assert response.status_code == 302 and response.headers["Location"].endswith(page)
    done = client.post(page, {"survey_note": "全村核对完毕"}, token_from=page)
    assert done.status_code == 302, done.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    survey = db.session.get(VillageSurvey, survey.id)
    assert survey.status == "completed" and db.session.get(Case, survey.case_id).status == "completed"
    raised = ChangeRequest.query.filter_by(person_id=person.id).all()
    assert len(raised) == 2 and {r.origin for r in raised} == {"village"}
    assert {r.reviewer_role for r in raised} == {"county", "township"}  # death is sensitive, phone is not
    outcomes = {sh.household_id: sh.outcome for sh in surveys.households_of(survey)}
    assert outcomes[changed.id] == "changes_raised"
    assert all(outcomes[h.id] == "confirmed" for h in others)
