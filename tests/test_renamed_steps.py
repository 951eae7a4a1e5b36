"""Renamed steps behave by their properties: every user task of the registration and problem
diagrams gets a new id, the bundles are deployed, and cases walk through with what used to be
keyed by the shipped ids still working — bulk first-review approval, the campaign funnel, the
visit's registration forms and revisit note, the printed form's signatures, and "resolve goes
to whoever investigated"."""
import re

from webapp import engine
from webapp.documents.registration_form import case_sheets
from webapp.extensions import db
from webapp.models import DiagramVersion, Household, ProgressTotal
from webapp.services.casework import bulk_work, cases, steps, tasks

from .helpers import open_task, user
from .migration_support import fill_forms

RENAMED = {"assign_household": "pick_visitor", "visit_household": "door_visit", "first_review": "town_check",
           "county_audit_review": "county_check", "investigate_problem": "look_into", "resolve_problem": "settle"}


def _renamed(files):
    """Every user task id (and the ids derived from it, its flows and timers) renamed."""
    out = {}
    for name, xml in files.items():
        for old, new in RENAMED.items():
            xml = re.sub(rf"\b{old}(?=[\"<_ ])", new, xml)
            xml = xml.replace(f"'{old}'", f"'{new}'")  # the timers' task parameters, if drawn
            # A form kind may share its code with a shipped step id: the kind stays.
            xml = xml.replace(f'name="form" value="{new}"', f'name="form" value="{old}"')
        out[name] = xml
    return out


def _deploy_renamed(process_id):
    current = DiagramVersion.query.filter_by(process_id=process_id, is_current=True).one()
    files = _renamed(current.files)
    joined = "".join(files.values())
    assert not any(f'<bpmn:userTask id="{old}"' in joined for old in RENAMED)
    version = engine.deploy_bundle(process_id, files, user("admin"), "renamed steps")
    db.session.commit()
    return version


def _funnel(measure):
    return sum(t.value for t in ProgressTotal.query.filter_by(measure=measure))


def test_a_case_walks_the_renamed_registration_steps_with_every_behaviour(county):
    _deploy_renamed("registration_case")
    assert steps.task_ids(option="bulk_approval", value="true") >= {"town_check"}
    before = {m: _funnel(m) for m in ("distributed", "visited", "first_reviewed", "audited", "reviews", "returned")}

    household = Household.query.order_by(Household.id).first()
    case = cases.start_registration_case(household)
    db.session.commit()
    township, county_user, visitor = user("township"), user("county"), user("village1")
    row = open_task(case, "pick_visitor")
    assert row is not None and row.title == "分配责任人" and open_task(case, "assign_household") is None
    assert steps.has_form(row, "assign_household")
    assert cases.claim(row, township)
    tasks.assign_household(row, township, visitor.area.code, visitor.id)
    db.session.commit()

    # The visit: nobody home first (the revisit note comes from the visit form kind), then done.
    from datetime import date

    visit = open_task(case, "door_visit")
    assert visit.assignee_id == visitor.id
    tasks.complete_visit(visit, visitor, "not_at_home", date(2026, 11, 28), False, "家中无人")
    db.session.commit()
    revisit = open_task(case, "door_visit")
    assert tasks.revisit_of(revisit) is not None and tasks.revisit_of(revisit).comment == "家中无人"
    assert steps.has_form(revisit, "visit")
    fill_forms(case)
    tasks.complete_visit(revisit, visitor, "completed", date(2026, 11, 29), True, "")
    db.session.commit()

    # First review: bulk approval is the step's property, not its id.
    review = open_task(case, "town_check")
    assert review is not None
    bulk_work.approve_one(review, township)
    db.session.commit()
    audit_row = open_task(case, "county_check")
    assert audit_row is not None and audit_row.lane == "county"
    assert cases.claim(audit_row, county_user)
    tasks.complete_review(audit_row, county_user, "return", "请核对")
    db.session.commit()
    review = open_task(case, "town_check")
    assert review.assignee_id == township.id and review.return_reason == "请核对"
    tasks.complete_review(review, township, "approve", "")
    db.session.commit()
    audit_row = open_task(case, "county_check")
    tasks.complete_review(audit_row, county_user, "approve", "")
    db.session.commit()
    assert db.session.get(type(case), case.id).status == "completed"

    after = {m: _funnel(m) for m in before}
    assert {m: after[m] - before[m] for m in before} == {
        "distributed": 1, "visited": 1, "first_reviewed": 1, "audited": 1, "reviews": 4, "returned": 1}
    sheets = case_sheets(case)
    assert sheets and sheets[0]["visitor"] == visitor.display_name
    assert sheets[0]["first_review_by"] == township.display_name and sheets[0]["audit_by"] == county_user.display_name


def test_the_renamed_resolve_step_goes_to_whoever_investigated(county):
    from webapp.models import Area
    from webapp.services.casework.cases import start_case

    _deploy_renamed("problem_data")
    county_area = Area.query.filter_by(level="county").first()
    case = start_case("problem", "problem_data", "问题数据：测试", county_area)
    db.session.commit()
    agency = user("agency")
    row = open_task(case, "look_into")
    assert row is not None and row.lane == "agency"
    assert cases.claim(row, agency)
    cases.complete(row, agency, {"investigation_note": "已调查"})
    db.session.commit()
    settle = open_task(case, "settle")
    assert settle is not None and settle.assignee_id == agency.id
