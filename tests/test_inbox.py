"""The inbox: counts, team pool, claim/unclaim, filters, sorting, pagination, bulk assignment."""
from datetime import timedelta

from webapp.extensions import db
from webapp.models import InboxTask
from webapp.models.base import utcnow

from .helpers import task_ids_on, user


def test_team_pool_claim_and_unclaim_move_tasks_between_tabs(county, client):
    client.login("township")
    team = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    assert len(team) == 6 and task_ids_on(client.get("/inbox").get_data(as_text=True)) == []
    client.post(f"/inbox/tasks/{team[0]}/claim", token_from="/inbox?view=team")
    mine_page = client.get("/inbox").get_data(as_text=True)
    assert task_ids_on(mine_page) == [team[0]]
    assert 'id="count-mine">1<' in mine_page and 'id="count-team">5<' in mine_page
    client.post(f"/inbox/tasks/{team[0]}/unclaim", token_from="/inbox")
    assert task_ids_on(client.get("/inbox").get_data(as_text=True)) == []


def test_filters_sorting_and_pagination(county, client, app):
    rows = InboxTask.query.filter_by(state="ready").order_by(InboxTask.id).all()
    now = utcnow()
    township = user("township")
    for offset, row in enumerate(rows):
        row.assignee_id = township.id
        row.due_at = now + timedelta(days=offset - 2, hours=1)  # two overdue, then one per day
    db.session.commit()
    client.login("township")
    by_due = task_ids_on(client.get("/inbox?sort=due").get_data(as_text=True))
    assert by_due == [r.id for r in rows]
    assert task_ids_on(client.get("/inbox?sort=-due").get_data(as_text=True)) == list(reversed(by_due))
    overdue = task_ids_on(client.get("/inbox?due=overdue").get_data(as_text=True))
    assert overdue == [rows[0].id, rows[1].id]
    soon = task_ids_on(client.get("/inbox?due=soon").get_data(as_text=True))
    assert soon == [rows[2].id, rows[3].id]
    assert task_ids_on(client.get("/inbox?process=county_audit").get_data(as_text=True)) == []
    assert len(task_ids_on(client.get("/inbox?process=distribution").get_data(as_text=True))) == 6
    app.config["PAGE_SIZE"] = 4
    first = task_ids_on(client.get("/inbox?page=1").get_data(as_text=True))
    second_page = client.get("/inbox?page=2").get_data(as_text=True)
    assert len(first) == 4 and task_ids_on(second_page) == by_due[4:]
    assert "共 6 条" in second_page


def test_bulk_assignment_of_many_households(county, client):
    client.login("township")
    team = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    village1 = user("village1")
    response = client.post("/inbox/assign", {"task_ids": team[:4], "village_code": village1.area.code,
                                             "visitor_id": village1.id}, token_from="/inbox?view=team",
                           follow_redirects=True)
    assert "已分配 4 户" in response.get_data(as_text=True)
    db.session.expire_all()
    visits = InboxTask.query.filter_by(task_name="visit_household", state="ready").all()
    assert len(visits) == 4 and {v.assignee_id for v in visits} == {village1.id}
    assert {v.village_code for v in visits} == {village1.area.code}


def test_bulk_assignment_refuses_a_visitor_of_another_village(county, client):
    client.login("township")
    team = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    response = client.post("/inbox/assign", {"task_ids": team[:2], "village_code": user("village2").area.code,
                                             "visitor_id": user("village1").id}, token_from="/inbox?view=team",
                           follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "已分配 0 户" in text and "责任人必须是所选村(社区)的协理员" in text
    assert InboxTask.query.filter_by(task_name="visit_household").count() == 0


def test_a_task_finished_in_another_session_opens_read_only(county, client):
    """Two sessions of one assistant: the second opens the visit the first has just finished and
    sees it without the form, not a server error."""
    from .helpers import case_at_visit, open_task
    from .migration_support import visit_done

    case = case_at_visit()
    row_id = open_task(case, "visit_household").id
    visit_done(case)
    assert db.session.get(InboxTask, row_id).state == "completed"

    client.login("village1")
    response = client.get(f"/inbox/tasks/{row_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert case.household.head_name in html
    assert 'name="visit_result"' not in html  # nothing to submit on a finished task
