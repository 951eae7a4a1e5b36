"""Helpers the migration tests share: a new version of the registration process, and cases at
every user task of the old one."""
from webapp import engine
from webapp.extensions import db
from webapp.models import DiagramVersion, ProcessInstance

from .helpers import case_at_visit, case_in_village, open_task, registration_form_data, user  # noqa: F401

PRECHECK = """    <bpmn:userTask id="first_review" name="乡镇预审">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="approve_return"/>
          <spiffworkflow:property name="decision_variable" value="review_decision"/>
          <spiffworkflow:property name="comment_variable" value="review_comment"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>visit_household_done_flow</bpmn:incoming>
      <bpmn:outgoing>visit_precheck_done_flow</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="visit_result_gateway\""""


def visit_with_precheck(text):
    """door_to_door_visit with a longer visit deadline and a township step right after the visit.

    The new step reuses the approve / return review form (its ``form`` property names the kind).
    """
    text = text.replace('"P10D"', '"P12D"')
    text = text.replace('<bpmn:exclusiveGateway id="visit_result_gateway"', PRECHECK, 1)
    text = text.replace('sourceRef="visit_household" targetRef="visit_result_gateway"',
                        'sourceRef="visit_household" targetRef="first_review"')
    text = text.replace("<bpmn:incoming>visit_household_done_flow</bpmn:incoming>\n      <bpmn:outgoing>visit_not",
                        "<bpmn:incoming>visit_precheck_done_flow</bpmn:incoming>\n      <bpmn:outgoing>visit_not")
    text = text.replace('    <bpmn:sequenceFlow id="visit_completed_flow"',
                        '    <bpmn:sequenceFlow id="visit_precheck_done_flow" sourceRef="first_review" '
                        'targetRef="visit_result_gateway" />\n    <bpmn:sequenceFlow id="visit_completed_flow"')
    lane = ('      <bpmn:lane id="door_to_door_visit_lane_township" name="township">\n'
            "        <bpmn:flowNodeRef>first_review</bpmn:flowNodeRef>\n      </bpmn:lane>\n")
    text = text.replace("    </bpmn:laneSet>", lane + "    </bpmn:laneSet>")
    return text


def deploy_precheck_version():
    """Deploy the registration bundle with the changed visit process; return (old, new) versions."""
    old = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    files = dict(old.files)
    files["door_to_door_visit.bpmn"] = visit_with_precheck(files["door_to_door_visit.bpmn"])
    new = engine.deploy_bundle("registration_case", files, user("admin"), "visit precheck")
    db.session.commit()
    return old, new


def deploy_renamed_assignment_version():
    """A version that renames the distribution step: every case past it has passed a changed task."""
    old = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    files = dict(old.files)
    files["distribution.bpmn"] = files["distribution.bpmn"].replace('name="分配责任人"', 'name="指定责任人"', 1)
    new = engine.deploy_bundle("registration_case", files, user("admin"), "rename")
    db.session.commit()
    return old, new


def visit_done(case, actor="village1"):
    """Complete the visit of ``case`` through the services (forms filled for every person)."""
    from webapp.services.casework import cases

    row = open_task(case, "visit_household")
    fill_forms(case)
    cases.complete(row, user(actor), {"visit_result": "completed", "visit_date": "2026-11-28",
                                      "policy_explained": True})
    db.session.commit()


def fill_forms(case):
    from webapp.models import RegistrationForm

    for person in case.household.persons:
        data = registration_form_data(person)
        db.session.add(RegistrationForm(case_id=case.id, person_id=person.id, id_number=person.id_number,
                                        name=person.name, data=data))
    db.session.flush()


def review(case, task_name, username, decision="approve", comment=""):
    """Claim and complete a review task through the services."""
    from webapp.services.casework import cases, tasks

    row = open_task(case, task_name)
    assert row is not None, f"{task_name} not open"
    reviewer = user(username)
    if row.assignee_id is None:
        assert cases.claim(row, reviewer)
    tasks.complete_review(row, reviewer, decision, comment)
    db.session.commit()


def cases_at_every_task():
    """{task name: case} for one case at each user task of the registration process."""
    at_visit = case_at_visit()
    at_review = case_at_visit()
    visit_done(at_review)
    at_audit = case_at_visit()
    visit_done(at_audit)
    review(at_audit, "first_review", "township")
    at_assign = case_in_village()
    return {"assign_household": at_assign, "visit_household": at_visit, "first_review": at_review,
            "county_audit_review": at_audit}


def instance_of(case):
    db.session.expire_all()
    return ProcessInstance.query.filter_by(case_id=case.id).one()
