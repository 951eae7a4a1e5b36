"""Bulk claim in the team pool and bulk first-review approval of clean visits (each case recorded)."""
from datetime import date

from webapp.extensions import db
from webapp.models import CaseEvent, InboxTask

from .helpers import case_at_visit, open_task, registration_form_data, task_ids_on, user


def _visit_done(client, signature="signed"):
    """A case visited by village1 (forms for everyone, visit completed); returns the case."""
    case = case_at_visit()
    row = open_task(case, "visit_household")
    client.login("village1")
    for person in case.household.persons:
        page = f"/inbox/tasks/{row.id}/forms/{person.id}"
        assert client.post(page, registration_form_data(person, signature=signature), token_from=page).status_code == 302
    page = f"/inbox/tasks/{row.id}"
    response = client.post(page, {"visit_result": "completed", "visit_date": date.today().isoformat(),
                                  "policy_explained": "y"}, token_from=page)
    assert response.status_code == 302
    client.logout()
    return case


def test_bulk_claim_takes_the_chosen_team_tasks(county, client):
    client.login("township")
    team = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    chosen = team[:3]
    response = client.post("/inbox/claim", {"task_ids": chosen}, token_from="/inbox?view=team")
    assert response.status_code == 302
    db.session.expire_all()
    township = user("township")
    for task_id in chosen:
        row = db.session.get(InboxTask, task_id)
        assert row.assignee_id == township.id
        assert CaseEvent.query.filter_by(case_id=row.case_id, kind="claimed").count() == 1
    assert set(chosen) <= set(task_ids_on(client.get("/inbox").get_data(as_text=True)))


def test_bulk_claim_refuses_another_lane(county, client):
    row = open_task(case_at_visit(), "visit_household")
    client.login("township")
    client.post("/inbox/claim", {"task_ids": [row.id]}, token_from="/inbox?view=team")
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).assignee_id == user("village1").id


def test_bulk_first_review_approves_only_clean_visits_each_on_its_timeline(county, client):
    clean = _visit_done(client)
    refused = _visit_done(client, signature="refused")
    clean_row, refused_row = open_task(clean, "first_review"), open_task(refused, "first_review")
    assert clean_row is not None and refused_row is not None
    client.login("township")
    html = client.get("/inbox?view=team").get_data(as_text=True)
    assert 'id="bulk-approve"' in html and 'id="bulk-claim"' in html
    response = client.post("/inbox/approve", {"task_ids": [clean_row.id, refused_row.id], "view": "team"},
                           token_from="/inbox?view=team", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "已批量初审通过 1 户" in text and "未签字确认" in text
    assert open_task(clean, "first_review") is None
    assert open_task(refused, "first_review") is not None
    approved = CaseEvent.query.filter_by(case_id=clean.id, kind="task_completed", task_name="first_review").one()
    assert approved.decision == "approve" and approved.actor_id == user("township").id
    assert CaseEvent.query.filter_by(case_id=refused.id, kind="task_completed", task_name="first_review").count() == 0


def test_select_across_pages_claims_every_matching_task(county, client, app):
    app.config["PAGE_SIZE"] = 2
    client.login("township")
    html = client.get("/inbox?view=team").get_data(as_text=True)
    assert len(task_ids_on(html)) == 2 and 'id="all-matching"' in html
    team = InboxTask.query.filter_by(state="ready", lane="township", assignee_id=None).count()
    assert team > 2
    response = client.post("/inbox/claim", {"all_matching": "1", "view": "team", "sort": "due"},
                           token_from="/inbox?view=team")
    assert response.status_code == 302
    db.session.expire_all()
    assert InboxTask.query.filter_by(state="ready", lane="township", assignee_id=None).count() == 0
    assert InboxTask.query.filter_by(state="ready", assignee_id=user("township").id).count() == team
