"""The inbox and task pages ask the database a fixed number of times, however many tasks,
household members and filled forms there are (no query per row: the N+1 guard).

The pinned numbers are what the pages need today (profiled with bench/profile_requests.py);
a change that adds a query per request must raise them here, on purpose.
"""
import itertools
import re
import uuid

from tests.helpers import QueryCounter, case_at_visit, registration_form_data, task_ids_on, user
from webapp.extensions import db
from webapp.models import Area, Household, Person

# The header's unread count comes with the user (webapp/auth/user_loading.py): no statement of its own.
MY_TASKS_QUERIES = 2  # the user with their area and unread count, the tab figures with the page of rows (and area names)
TEAM_QUERIES = 4  # a township's team view adds its township with its villages (filter and bulk forms) and visitors
# the user (with the count), the task with its case, the household with members and last visit and the forms,
# the audit event (in that statement on PostgreSQL)
TASK_PAGE_QUERIES = 4


def _queries_of(client, url):
    with QueryCounter(db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return counter.count, response.get_data(as_text=True)


def _id_number(body):
    """A valid ID number from its first 17 digits (the check digit as GB 11643 computes it)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


_serial = itertools.count()


def _more_cases(count, members=4):
    """``count`` more households of ``members`` people in the demo township, each at distribution."""
    from webapp.services.casework import cases

    village = user("village1").area
    for _ in range(count):
        index = next(_serial) % 90 + 10  # two digits; consecutive, so distinct within a test
        household = Household(household_number=f"Q{uuid.uuid4().hex[:12]}", head_name=f"测试户{index}",
                              county_code=village.county_code, township_code=village.township_code,
                              address="测试地址")
        db.session.add(household)
        for position in range(members):
            db.session.add(Person(id_number=_id_number(f"3417211931{position + 1:02d}01{index:02d}{position}"),
                                  name=f"成员{index}-{position}", household=household,
                                  relation_to_head="户主" if position == 0 else "子",
                                  county_code=village.county_code, township_code=village.township_code))
        db.session.flush()
        cases.start_registration_case(household)
    db.session.commit()


def _visits(count):
    return [case_at_visit("village1") for _ in range(count)]


def test_my_tasks_page_asks_the_same_number_of_queries_for_2_or_12_tasks(county, client):
    _visits(2)
    client.login("village1")
    few, html = _queries_of(client, "/inbox")
    assert len(task_ids_on(html)) == 2
    _more_cases(10)
    _visits(10)
    many, html = _queries_of(client, "/inbox")
    assert len(task_ids_on(html)) == 12
    assert few == many <= MY_TASKS_QUERIES, (few, many)


def test_team_inbox_of_a_township_does_not_grow_with_its_villages_tasks(county, client):
    client.login("township")
    few, html = _queries_of(client, "/inbox?view=team")
    before = len(task_ids_on(html))
    _more_cases(8)
    many, html = _queries_of(client, "/inbox?view=team")
    assert len(task_ids_on(html)) == before + 8
    assert few == many <= TEAM_QUERIES, (few, many)
    # Every row still names its area (looked up for the whole page at once).
    township = Area.query.filter_by(code=user("township").area.township_code).one()
    assert html.count(township.name) >= 8


def test_task_page_asks_the_same_number_of_queries_however_many_forms_and_tasks(county, client):
    case = _visits(1)[0]
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    first, html = _queries_of(client, f"/inbox/tasks/{task_id}")
    assert "入户结果" in html
    # Forms filled for every member, a person added during the visit, and more tasks in the inbox.
    members = Person.query.filter_by(household_id=case.household_id).all()
    for person in members:
        response = client.post(f"/inbox/tasks/{task_id}/forms/{person.id}", registration_form_data(person),
                               token_from=f"/inbox/tasks/{task_id}")
        assert response.status_code == 302
    newborn = registration_form_data(members[0], name="新增成员", id_number=_id_number("34172120200101001"),
                                     relation_to_head="子")
    response = client.post(f"/inbox/tasks/{task_id}/forms/new", newborn, token_from=f"/inbox/tasks/{task_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    _more_cases(5)
    _visits(5)
    later, html = _queries_of(client, f"/inbox/tasks/{task_id}")
    assert "新增成员" in html and html.count("已填写") >= len(members) + 1
    # On PostgreSQL the audit event is written in the forms' read (services/casework/tasks.filled_forms).
    assert first == later <= TASK_PAGE_QUERIES - (db.engine.dialect.name == "postgresql"), (first, later)


def test_saving_a_form_and_finishing_a_visit_stay_within_their_queries(county, client):
    case = _visits(1)[0]
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    page = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    person = Person.query.filter_by(household_id=case.household_id).first()
    # client.raw: the CSRF-aware client would fetch a page for a token first.
    with QueryCounter(db.engine) as saving:
        response = client.raw.post(f"/inbox/tasks/{task_id}/forms/{person.id}",
                                   data=dict(registration_form_data(person), csrf_token=token))
    assert response.status_code == 302
    with QueryCounter(db.engine) as finishing:
        response = client.raw.post(f"/inbox/tasks/{task_id}", data={
            "visit_result": "not_at_home", "visit_date": "2026-06-01", "visit_comment": "", "csrf_token": token})
    assert response.status_code == 302
    postgresql = db.engine.dialect.name == "postgresql"
    # The user, the task with its case and the person (one statement), the form's upsert (one
    # statement for a new form or an existing one), the audit event (in the upsert's statement on PostgreSQL).
    assert saving.count <= (3 if postgresql else 4), saving.count
    # The user, the task with its case, the instance locked with its open rows (one statement with
    # the task on PostgreSQL: engine.task_locked), the completed row, the
    # instance, and the new inbox row with the timeline line: inserted once (no UPDATE of an empty
    # note). On PostgreSQL the instance, the new row and the line are one statement (infra/new_rows.py,
    # the instance's UPDATE along with them); on SQLite three.
    assert finishing.count <= (4 if postgresql else 7), finishing.count
