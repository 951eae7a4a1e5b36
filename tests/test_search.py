"""The header search: names, ID suffixes, household numbers and phones, only inside the user's area,
masked, audited, each result opening its record."""
import re

from webapp.extensions import db
from webapp.models import AuditEvent, Household, Person

from .helpers import user


def _in_village(username):
    area = user(username).area
    return Person.query.filter_by(village_code=area.code).order_by(Person.id).first()


def _outside_village(username):
    area = user(username).area
    return Person.query.filter(Person.village_code != area.code, Person.village_code.isnot(None)).first()


def _section(html, section_id):
    return re.search(rf'id="{section_id}".*?</section>', html, re.S).group(0)


def test_id_suffix_finds_the_person_in_the_area_masked_and_audited(county, client):
    person = _in_village("village1")
    assert person is not None
    client.login("village1")
    html = client.get(f"/search/?q={person.id_number[-6:]}").get_data(as_text=True)
    persons = _section(html, "result-persons")
    assert person.name in persons and f"/registry/persons/{person.id}" in persons
    assert person.id_number not in html  # masked
    assert person.id_number[:6] + "********" + person.id_number[-4:] in persons
    assert AuditEvent.query.filter_by(action="search").count() == 1
    client.get(f"/registry/persons/{person.id}")
    assert AuditEvent.query.filter_by(action="view_person", object_id=str(person.id)).count() == 1


def test_search_never_leaves_the_users_area(county, client):
    other = _outside_village("village1")
    assert other is not None
    client.login("village1")
    for text in (other.id_number[-4:], other.name, other.household.household_number):
        html = client.get("/search/", query_string={"q": text}).get_data(as_text=True)
        assert f"/registry/persons/{other.id}\"" not in html
    client.logout()
    client.login("county")
    html = client.get("/search/", query_string={"q": other.id_number[-5:]}).get_data(as_text=True)
    assert f"/registry/persons/{other.id}\"" in html


def test_name_household_number_and_phone(county, client):
    person = _in_village("village1")
    person.phone = "138-0013-9999"
    db.session.commit()
    household = db.session.get(Household, person.household_id)
    client.login("village1")
    html = client.get("/search/", query_string={"q": person.name}).get_data(as_text=True)
    assert person.name in _section(html, "result-persons")
    html = client.get("/search/", query_string={"q": household.household_number}).get_data(as_text=True)
    assert household.household_number in _section(html, "result-households")
    html = client.get("/search/", query_string={"q": "13800139999"}).get_data(as_text=True)
    persons = _section(html, "result-persons")
    assert person.name in persons and "138****9999" in persons and "0013" not in persons


def test_search_box_is_in_the_header_and_data_providers_have_none(county, client):
    client.login("township")
    assert 'id="site-search"' in client.get("/cases/").get_data(as_text=True)
    client.logout()
    client.login("gongan")
    assert 'id="site-search"' not in client.get("/intake/").get_data(as_text=True)
    assert client.get("/search/?q=1234").status_code == 302


def test_inbox_filters_by_village_name_and_by_text(county, client):
    from webapp.models import InboxTask

    from .helpers import task_ids_on

    village = user("village1").area
    client.login("county")
    html = client.get("/inbox").get_data(as_text=True)
    select = re.search(r'<select name="area".*?</select>', html, re.S).group(0)
    assert f">{village.name}</option>" in select and "地区代码" not in html
    client.logout()
    client.login("township")
    team = task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    assert len(team) > 1
    head = db.session.get(InboxTask, team[0]).case.household.head_name
    rows = task_ids_on(client.get("/inbox", query_string={"view": "team", "q": head}).get_data(as_text=True))
    assert team[0] in rows and len(rows) < len(team)
    assert all(head in db.session.get(InboxTask, i).case.title for i in rows)
