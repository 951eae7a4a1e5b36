"""The modeler's server side: drafts touch nothing running, validation names every element,
deploy only when valid (audited), the restricted engine checks code as it is typed, and a new
step of an existing form kind works from the inboxes with no code change."""
import json
import re

from webapp.extensions import db
from webapp.models import AuditEvent, DiagramVersion, InboxTask, ProcessDraft, ProcessInstance

from .helpers import case_at_visit, open_task, user

PROCESS = "registration_case"
FILE = "registration_case.bpmn"
COUNTERSIGN = """    <bpmn:userTask id="countersign" name="村主任签字">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="{form}" />
          <spiffworkflow:property name="title_en" value="Village head countersignature" />
          <spiffworkflow:property name="deadline" value="P3D" />
          <spiffworkflow:property name="reminder" value="P1D" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>visit_done_flow</bpmn:incoming>
      <bpmn:outgoing>countersign_done_flow</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="countersign_done_flow" sourceRef="countersign" targetRef="call_township_first_review" />
"""


def with_countersign(xml, form="approve_return"):
    """registration_case with a village head's countersignature between the visit and the first review."""
    xml = xml.replace('<bpmn:sequenceFlow id="visit_done_flow" sourceRef="call_door_to_door_visit" '
                      'targetRef="call_township_first_review" />',
                      '<bpmn:sequenceFlow id="visit_done_flow" sourceRef="call_door_to_door_visit" '
                      'targetRef="countersign" />\n' + COUNTERSIGN.format(form=form), 1)
    xml = xml.replace("<bpmn:incoming>visit_done_flow</bpmn:incoming>\n      <bpmn:incoming>county_audit_returned_flow",
                      "<bpmn:incoming>countersign_done_flow</bpmn:incoming>\n      <bpmn:incoming>county_audit_returned_flow", 1)
    xml = xml.replace("<bpmn:flowNodeRef>call_door_to_door_visit</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>call_door_to_door_visit</bpmn:flowNodeRef>\n"
                      "        <bpmn:flowNodeRef>countersign</bpmn:flowNodeRef>", 1)
    assert xml.count("countersign_done_flow") == 3
    return xml


def new_case_at_visit(visitor="village1"):
    """A case started now (on the current version), distributed to ``visitor``'s village."""
    from webapp.models import Household
    from webapp.services.casework import cases, tasks

    case = cases.start_registration_case(Household.query.order_by(Household.id).first())
    db.session.commit()
    township, assignee = user("township"), user(visitor)
    row = open_task(case, "assign_household")
    assert cases.claim(row, township)
    tasks.assign_household(row, township, assignee.area.code, assignee.id)
    db.session.commit()
    return case


def _current():
    return DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()


def post_json(client, url, payload):
    token = client.token(f"/processes/{PROCESS}/edit")
    return client.raw.post(url, data=json.dumps(payload), headers={"X-CSRFToken": token},
                           content_type="application/json")


def test_modeler_page_is_for_administrators_and_offers_the_products_vocabulary(county, client):
    client.login("admin")
    page = client.get(f"/processes/{PROCESS}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    vocabulary = json.loads(re.search(r"data-vocabulary='([^']*)'", html).group(1).replace("&#34;", '"'))
    assert ["village", "村(社区)协理员"] in vocabulary["roles"]
    assert "approve_return" in dict(vocabulary["forms"]) and "registry_apply" in dict(vocabulary["operators"])
    assert '<bpmn:userTask' not in html and "vendor/bpmn-modeler.js" in html
    assert client.get(vocabulary["urls"]["xml"]).get_data(as_text=True) == _current().files[FILE]
    client.logout()
    client.login("supervisor")
    assert client.get(f"/processes/{PROCESS}/edit").status_code == 403


def test_a_draft_touches_no_running_case_and_no_new_case(county, client):
    case = case_at_visit()
    before = _current()
    client.login("admin")
    answer = post_json(client, f"/processes/{PROCESS}/edit/draft",
                        {"file": FILE, "xml": with_countersign(before.files[FILE])})
    assert answer.status_code == 200 and answer.get_json()["ok"]
    db.session.expire_all()
    draft = ProcessDraft.query.filter_by(process_id=PROCESS).one()
    assert "countersign" in draft.files[FILE] and draft.base_version_id == before.id
    assert DiagramVersion.query.filter_by(process_id=PROCESS).count() == 1 and _current().id == before.id
    # The modeler reopens on the draft; running and new cases stay on the deployed version.
    assert "countersign" in client.get(f"/processes/{PROCESS}/edit/files/{FILE}").get_data(as_text=True)
    from webapp.services.casework import cases

    visit = open_task(case, "visit_household")
    cases.complete(visit, user("village1"), {"visit_result": "completed", "visit_comment": ""})
    db.session.commit()
    assert open_task(case, "first_review") is not None  # no countersignature for it
    assert {i.diagram_version_id for i in ProcessInstance.query} == {before.id}
    assert AuditEvent.query.filter_by(action="diagram_draft_saved").count() == 1


def test_validation_names_each_element_and_deploy_is_refused_until_valid(county, client):
    before = _current()
    client.login("admin")
    broken = with_countersign(before.files[FILE], form="").replace(
        "review_decision == 'return'", "__import__('os').system('x')", 1)
    answer = post_json(client, f"/processes/{PROCESS}/edit/validate", {"file": FILE, "xml": broken}).get_json()
    assert not answer["ok"]
    by_element = {p["element"]: p for p in answer["problems"]}
    assert by_element["countersign"]["name"] == "村主任签字" and "表单类型" in by_element["countersign"]["message"]
    refused = post_json(client, f"/processes/{PROCESS}/edit/deploy", {"file": FILE, "xml": broken, "comment": "x"})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    db.session.expire_all()
    assert _current().id == before.id and not AuditEvent.query.filter_by(action="diagram_deploy").count()
    # The engine's own check (the restricted engine) runs once the pre-check passes.
    unsafe = with_countersign(before.files[FILE]).replace("review_decision == 'return'", "__import__('os')", 1)
    problems = post_json(client, f"/processes/{PROCESS}/edit/validate", {"file": FILE, "xml": unsafe}).get_json()["problems"]
    # SpiffWorkflow keeps a condition on its gateway: the marker goes there, named in Chinese.
    assert [p["element"] for p in problems] == ["first_review_gateway"]
    assert problems[0]["name"] == "初审结果" and "条件被拒绝" in problems[0]["message"]
    good = post_json(client, f"/processes/{PROCESS}/edit/deploy",
                      {"file": FILE, "xml": with_countersign(before.files[FILE]), "comment": "村主任签字"})
    assert good.status_code == 200 and good.get_json()["number"] == 2
    db.session.expire_all()
    assert _current().id != before.id and "countersign" in _current().files[FILE]
    deploy = AuditEvent.query.filter_by(action="diagram_deploy").one()
    assert deploy.user_id == user("admin").id and "version 2" in deploy.detail


def test_code_is_checked_by_the_restricted_engine_as_it_is_typed(county, client):
    client.login("admin")
    ok = post_json(client, "/processes/edit/check-code", {"source": "review_decision == 'return'", "mode": "eval"})
    assert ok.get_json() == {"ok": True, "messages": []}
    bad = post_json(client, "/processes/edit/check-code", {"source": "import os", "mode": "exec"}).get_json()
    assert not bad["ok"] and bad["messages"] and all(re.search(r"[\u4e00-\u9fff]", m) for m in bad["messages"])


def test_a_new_step_of_an_existing_form_kind_runs_from_the_inboxes_without_code(county, client):
    client.login("admin")
    before = _current()
    deployed = post_json(client, f"/processes/{PROCESS}/edit/deploy",
                          {"file": FILE, "xml": with_countersign(before.files[FILE]), "comment": "countersign"})
    assert deployed.status_code == 200
    client.logout()
    case = new_case_at_visit()
    from webapp.services.casework import cases

    cases.complete(open_task(case, "visit_household"), user("village1"), {"visit_result": "completed"})
    db.session.commit()
    row = open_task(case, "countersign")
    assert row is not None and row.lane == "village" and row.title == "村主任签字" and row.due_at is not None
    assert row.reminder_at is not None and row.reminder_at < row.due_at
    client.login("village1")
    assert "村主任签字" in client.get("/inbox").get_data(as_text=True)
    page = client.get(f"/inbox/tasks/{row.id}")
    assert page.status_code == 200 and "通过" in page.get_data(as_text=True)
    done = client.post(f"/inbox/tasks/{row.id}", {"decision": "approve", "comment": "同意"},
                       token_from=f"/inbox/tasks/{row.id}")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).state == "completed"
    assert open_task(case, "first_review") is not None
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "村主任签字" in timeline and "同意" in timeline
