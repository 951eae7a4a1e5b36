"""Completeness (村不漏户、户不漏人、人不漏项): each kind of gap is found, fixed, and the village declared."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import Area, AuditEvent, Case, Household, Person, VillageCompleteness
from webapp.services.campaign import completion
from webapp.services.casework import cases, tasks

from .helpers import open_task, registration_form_data, user


def _gaps(village_code):
    found = completion.check(user("township").area.county_code, [village_code])[village_code]
    db.session.commit()  # the check keeps its counts
    return {kind: items for kind, items in found.gaps.items()}


def place_every_case(village):
    """Every demo case at distribution is placed in ``village`` (visitor village1)."""
    township, visitor = user("township"), user("village1")
    placed = []
    for case in Case.query.filter_by(kind="registration").order_by(Case.id):
        row = open_task(case, "assign_household")
        if row is None or row.township_code != village.township_code:
            continue
        assert cases.claim(row, township)
        tasks.assign_household(row, township, village.code, visitor.id)
        placed.append(case)
    db.session.commit()
    return placed


def visit_household(case, overrides=None):
    """The visitor fills a form for every member (``overrides`` by ID number) and completes the visit."""
    visitor = user("village1")
    row = open_task(case, "visit_household")
    if row.assignee_id != visitor.id:
        assert cases.claim(row, visitor)
    for person in case.household.persons:
        data = registration_form_data(person, **(overrides or {}).get(person.id_number, {}))
        tasks.save_registration_form(row, visitor, person.id_number, person.name, data, person=person)
    tasks.complete_visit(row, visitor, "completed", date(2026, 6, 10), True)
    db.session.commit()


def new_person(household, serial):
    person = Person(id_number=make_id("341721", date(1990, 1, 1), serial), name=f"新成员{serial}",
                    household=household, county_code=household.county_code,
                    township_code=household.township_code, village_code=household.village_code)
    db.session.add(person)
    db.session.commit()
    return person


def gaps_of_every_kind(village):
    """Every case of ``village`` placed, all but one visited, and a household of one person that
    no case covers (moved out): the gaps the browser tests show. Returns that household."""
    placed = place_every_case(village)
    for case in placed[:-1]:
        visit_household(case)
    lone = Household(household_number="341721100900002", head_name="迁出户", county_code="341721",
                     township_code=village.township_code, village_code=village.code)
    db.session.add(lone)
    db.session.commit()
    new_person(lone, 401)
    db.session.commit()
    return lone


def test_each_gap_is_found_fixed_and_the_village_declared(county, make_client):
    village = user("village1").area
    placed = place_every_case(village)
    assert len(placed) >= 3
    lone = Household(household_number="341721100900001", head_name="空户主", county_code="341721",
                     township_code=village.township_code, village_code=village.code)
    db.session.add(lone)
    db.session.flush()
    new_person(lone, 301)

    gaps = _gaps(village.code)  # nothing visited yet: every case is an open household gap
    assert {g["household_id"] for g in gaps["household"]} == {c.household_id for c in placed} | {lone.id}
    assert {g["detail"] for g in gaps["household"] if g["household_id"] == lone.id} == {"no_case"}

    first, second, *rest = placed
    lacking = first.household.persons[0]
    visit_household(first, {lacking.id_number: {"outcome_code": "willing", "willing_scheme": ""}})
    for case in [second] + rest:
        visit_household(case)
    joined = new_person(second.household, 302)  # entered the household after its visit

    gaps = _gaps(village.code)
    assert [(g["household_id"], g["detail"]) for g in gaps["household"]] == [(lone.id, "no_case")]
    assert [(g["person_id"], g["case_id"]) for g in gaps["member"]] == [(joined.id, second.id)]
    assert [(g["person_name"], g["fields"], g["case_id"]) for g in gaps["field"]] == \
        [(lacking.name, ["willing_scheme"], first.id)]

    township, visitor = make_client(), make_client()
    township.login("township")
    visitor.login("village1")
    page = township.get(f"/dashboard/completeness/{village.code}").get_data(as_text=True)
    assert f'data-household="{lone.id}"' in page and f'data-person="{joined.id}"' in page
    assert f'href="/cases/{first.id}"' in page and 'data-status="gaps"' in page

    # Declaring with gaps is refused.
    page = township.post(f"/dashboard/completeness/{village.code}/declare", {},
                         token_from=f"/dashboard/completeness/{village.code}", follow_redirects=True)
    assert "还有 3 处缺口" in page.get_data(as_text=True)
    assert VillageCompleteness.query.filter_by(village_code=village.code).one().declared_at is None

    # 村不漏户: the household is explained (a note is needed for "other").
    url = f"/dashboard/completeness/{village.code}/exclude"
    page = visitor.post(url, {"household_id": lone.id, "reason": "other", "note": ""},
                        token_from=f"/dashboard/completeness/{village.code}", follow_redirects=True)
    assert "请填写说明" in page.get_data(as_text=True)
    visitor.post(url, {"household_id": lone.id, "reason": "empty", "note": "户主常年在外，户籍空挂"},
                 token_from=f"/dashboard/completeness/{village.code}")
    # 户不漏人: the member who joined later is explained too.
    visitor.post(url, {"household_id": second.household_id, "person_id": joined.id, "reason": "away"},
                 token_from=f"/dashboard/completeness/{village.code}")
    # 人不漏项: the first review returns the visit, the visitor fills the missing field.
    reviewer = user("township")
    row = open_task(first, "first_review")
    assert cases.claim(row, reviewer)
    tasks.complete_review(row, reviewer, "return", "请补填意愿参保险种")
    db.session.commit()
    visit_household(first)

    gaps = _gaps(village.code)
    assert gaps == {"household": [], "member": [], "field": []}
    assert AuditEvent.query.filter_by(action="completeness_exclusion").count() == 2

    # Village staff may not declare; the township may, now that there is no gap.
    page = visitor.post(f"/dashboard/completeness/{village.code}/declare", {},
                        token_from=f"/dashboard/completeness/{village.code}", follow_redirects=True)
    assert "只有乡镇工作人员" in page.get_data(as_text=True)
    township.post(f"/dashboard/completeness/{village.code}/declare", {},
                  token_from=f"/dashboard/completeness/{village.code}")
    db.session.expire_all()
    kept = VillageCompleteness.query.filter_by(village_code=village.code).one()
    assert kept.declared_at is not None and kept.declared_by_id == reviewer.id
    assert AuditEvent.query.filter_by(action="declare_village_complete", object_id=village.code).count() == 1
    listing = township.get(f"/dashboard/completeness/{village.township_code}").get_data(as_text=True)
    assert f'data-area="{village.code}" data-status="complete"' in listing
    dashboard_page = township.get("/dashboard/").get_data(as_text=True)
    assert 'class="completeness" data-status="complete"' in dashboard_page
    breakdown = load_workbook(BytesIO(township.get("/dashboard/export/breakdown.xlsx").data)).active
    assert [r[-1].value for r in breakdown.iter_rows(min_row=2) if r[0].value == village.code] == ["村级完成"]

    # New work after the declaration shows as a declared village with new gaps, not silently.
    new_person(first.household, 303)
    page = township.get(f"/dashboard/completeness/{village.code}").get_data(as_text=True)
    assert 'data-status="declared_new_gaps"' in page
    assert 'class="completeness" data-status="declared_new_gaps"' in township.get("/dashboard/").get_data(as_text=True)
    sheet = load_workbook(BytesIO(township.get(f"/dashboard/completeness/{village.code}/gaps.xlsx").data)).active
    assert [row[4].value for row in sheet.iter_rows(min_row=2)] == ["新成员303"]


def test_completeness_pages_are_scoped(county, make_client):
    village, other = user("village1").area, user("village2").area
    county_client, township, visitor = make_client(), make_client(), make_client()
    county_client.login("county")
    township.login("township")
    visitor.login("village1")
    assert visitor.get(f"/dashboard/completeness/{village.code}").status_code == 200
    assert visitor.get(f"/dashboard/completeness/{other.code}").status_code == 404
    assert visitor.get(f"/dashboard/completeness/{village.township_code}").status_code == 404
    township_page = township.get(f"/dashboard/completeness/{village.township_code}")
    assert township_page.status_code == 200 and f'data-area="{other.code}" data-status="unchecked"' in \
        township_page.get_data(as_text=True)
    response = township.post(f"/dashboard/completeness/{village.township_code}/recheck", {},
                             token_from=f"/dashboard/completeness/{village.township_code}")
    assert response.status_code == 302
    completion.recheck_township(Area.query.filter_by(code=village.township_code).one())  # the job's work
    db.session.commit()
    listing = township.get(f"/dashboard/completeness/{village.township_code}").get_data(as_text=True)
    assert 'data-status="unchecked"' not in listing and f'data-area="{other.code}" data-status="gaps"' in listing
    assert township.get("/dashboard/completeness/341721000000").status_code in (403, 404)
    county_page = county_client.get("/dashboard/completeness/").get_data(as_text=True)
    assert f'data-area="{village.township_code}"' in county_page
    sheet = load_workbook(BytesIO(county_client.get("/dashboard/completeness/341721000000/gaps.xlsx").data)).active
    assert sheet.max_row > 1
