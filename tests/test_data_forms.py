"""Forms as data end to end: definitions saved and published (immutable versions), the modeler's
validation refuses a data_form step without a published definition, and a case walks through a
data_form step from the inbox: values checked on the server (a tampered post is refused and
nothing saved), in the task data for the gateway, on the timeline with labels, in English too."""
import copy
import json

import pytest

from webapp.extensions import db
from webapp.form_schema import SchemaError
from webapp.models import AuditEvent, CaseEvent, FormSubmission, FormVersion, InboxTask
from webapp.services.admin import form_definitions

from .data_form_support import CODE, SCHEMA, publish_definition, registration_files, with_head_check
from .helpers import open_task, user
from .test_process_editor import new_case_at_visit

PROCESS, FILE = "registration_case", "registration_case.bpmn"


def _post_json(client, url, payload, token_from=f"/processes/{PROCESS}/edit"):
    token = client.token(token_from)
    return client.raw.post(url, data=json.dumps(payload), headers={"X-CSRFToken": token},
                           content_type="application/json")


def test_published_versions_never_change_and_a_task_keeps_its_version(county):
    first = publish_definition()
    assert (first.number, first.status) == (1, "published") and first.published_at is not None
    with pytest.raises(SchemaError) as err:
        form_definitions.save_draft(CODE, "x", "x", SCHEMA, user("admin"), create=True)
    assert any("已被使用" in m for m in err.value.messages)
    changed = copy.deepcopy(SCHEMA)
    changed["fields"].append({"key": "extra", "type": "text", "label": {"zh": "补充", "en": "Extra"},
                              "required": True})
    draft = form_definitions.save_draft(CODE, "村主任核实表", "Village head check form", changed, user("admin"))
    db.session.commit()
    assert draft.number == 2 and draft.status == "draft"
    db.session.expire_all()
    kept = db.session.get(FormVersion, first.id).schema["fields"]
    assert [f["key"] for f in kept] == [f["key"] for f in SCHEMA["fields"]]  # untouched
    assert form_definitions.published_version(CODE).number == 1  # a draft is used by nothing
    started = first.published_at
    second = form_definitions.publish(CODE, user("admin"))
    db.session.commit()
    assert form_definitions.version_for_task(CODE, started).number == 1
    assert form_definitions.version_for_task(CODE, second.published_at).number == 2
    assert AuditEvent.query.filter_by(action="form_published").count() == 2


def test_the_modeler_refuses_a_data_form_step_without_a_published_definition(county, client):
    client.login("admin")
    xml = with_head_check(registration_files()[FILE])
    url = f"/processes/{PROCESS}/edit/validate"
    missing = _post_json(client, url, {"file": FILE, "xml": xml}).get_json()
    problem = [p for p in missing["problems"] if p["element"] == "head_check"]
    assert problem and problem[0]["name"] == "村主任核实" and "head_check" in problem[0]["message"]
    assert "不存在" in problem[0]["message"] and "「村主任核实」" in problem[0]["message"]
    form_definitions.save_draft(CODE, "村主任核实表", "Village head check form", SCHEMA, user("admin"), create=True)
    db.session.commit()
    unpublished = _post_json(client, url, {"file": FILE, "xml": xml}).get_json()
    assert any("还没有发布" in p["message"] and "村主任核实表" in p["message"] for p in unpublished["problems"])
    no_choice = _post_json(client, url, {"file": FILE, "xml": xml.replace(f'value="{CODE}"', 'value=""')}).get_json()
    assert any("没有选择数据表单" in p["message"] for p in no_choice["problems"])
    form_definitions.publish(CODE, user("admin"))
    db.session.commit()
    clash = xml.replace('name="decision_variable" value="head_decision"', 'name="decision_variable" value="housing"')
    assert any("housing" in p["message"] and "同名" in p["message"]
               for p in _post_json(client, url, {"file": FILE, "xml": clash}).get_json()["problems"])
    assert _post_json(client, url, {"file": FILE, "xml": xml}).get_json() == {
        "ok": True, "problems": [], "message": "校验通过，可以部署。"}
    vocabulary = client.get(f"/processes/{PROCESS}/edit").get_data(as_text=True)
    assert "data_form" in vocabulary and CODE in vocabulary  # the panel offers the kind and the form


def _deploy(client):
    client.login("admin")
    answer = _post_json(client, f"/processes/{PROCESS}/edit/deploy",
                        {"file": FILE, "xml": with_head_check(registration_files()[FILE]), "comment": "head check"})
    assert answer.status_code == 200, answer.get_json()
    client.logout()


def _visit_done(case):
    from webapp.services.casework import cases

    cases.complete(open_task(case, "visit_household"), user("village1"), {"visit_result": "completed"})
    db.session.commit()
    return open_task(case, "head_check")


GOOD = {"household_size": "3", "head_phone": "13800138000", "housing": "own", "informed": "y",
        "_decision": "approve", "_comment": "情况属实"}


def _submit(client, row, data):
    return client.post(f"/inbox/tasks/{row.id}", data, token_from=f"/inbox/tasks/{row.id}", follow_redirects=True)


def test_a_case_walks_through_a_data_form_step_from_the_inbox(county, client):
    publish_definition()
    _deploy(client)
    case = new_case_at_visit()
    row = _visit_done(case)
    assert row is not None and row.lane == "village" and row.title == "村主任核实"
    client.login("village1")
    page = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    for text in ("村主任核实表", "家庭人口", "自有住房", "已告知参保政策", "退回重新入户", 'name="household_size"'):
        assert text in page, text

    # Tampered posts: refused with a clear message, nothing saved, the task still open.
    for tampered, words in (({**GOOD, "is_approved": "1"}, "表单中没有的字段"),
                            ({**GOOD, "housing": "palace"}, "不在表单的选项中"),
                            ({**GOOD, "household_size": "many"}, "必须是数字"),
                            ({**GOOD, "checked_id": "341721198005061230"}, "不是有效的公民身份号码"),
                            ({**GOOD, "_decision": "delete_case"}, "审核意见不在表单的选项中"),
                            ({**GOOD, "_decision": "return", "_comment": ""}, "必须写明原因")):
        answer = _submit(client, row, tampered)
        assert answer.status_code == 200 and words in answer.get_data(as_text=True), words
        db.session.expire_all()
        assert db.session.get(InboxTask, row.id).state == "ready" and FormSubmission.query.count() == 0
    assert 'value="many"' in _submit(client, row, {**GOOD, "household_size": "many"}).get_data(as_text=True)

    # A value, not only the decision, drives the gateway: nine people go back to the visit.
    assert "已提交" in _submit(client, row, {**GOOD, "household_size": "9"}).get_data(as_text=True)
    assert open_task(case, "visit_household") is not None and open_task(case, "first_review") is None
    # A second post of the same task (a double click, a second tab) stores nothing more.
    again = _submit(client, row, {**GOOD, "household_size": "2"}).get_data(as_text=True)
    assert "无需重复提交" in again or "已不在待办" in again
    assert FormSubmission.query.filter_by(inbox_task_id=row.id).one().values["household_size"] == 9

    row = _visit_done(case)
    _submit(client, row, {**GOOD, "_decision": "return", "_comment": "人口需再核对"})
    visit = open_task(case, "visit_household")
    assert visit is not None and visit.return_reason == "人口需再核对"

    row = _visit_done(case)
    _submit(client, row, GOOD)
    assert open_task(case, "first_review") is not None
    submission = FormSubmission.query.filter_by(inbox_task_id=row.id).one()
    assert submission.values == {"household_size": 3, "head_phone": "13800138000", "checked_id": None,
                                 "housing": "own", "informed": True}
    assert AuditEvent.query.filter_by(action="form_submitted").count() == 3
    event = db.session.get(CaseEvent, submission.case_event_id)
    assert (event.task_name, event.decision, event.comment) == ("head_check", "approve", "情况属实")

    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for text in ("村主任核实", "家庭人口", "住房情况", "自有住房", "已告知参保政策", "人口需再核对"):
        assert text in timeline, text
    assert ">own<" not in timeline and ">household_size<" not in timeline
    assert "退回重新入户" in timeline and "同意" in timeline  # the definition's own decision labels


def test_the_data_form_in_english_and_a_task_keeps_the_version_it_started_with(county, client):
    publish_definition()
    _deploy(client)
    case = new_case_at_visit()
    row = _visit_done(case)
    # A new version with one more required field is published while the task is open.
    changed = copy.deepcopy(SCHEMA)
    changed["fields"].append({"key": "extra", "type": "text", "label": {"zh": "补充情况", "en": "More"},
                              "required": True})
    publish_definition(changed, create=False)
    client.login("village1")
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    page = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    for text in ("Village head check form", "Household size", "Own home", "Rented", "Policy explained", "Send back"):
        assert text in page, text
    assert "家庭人口" not in page and "补充情况" not in page and "More" not in page  # version 1, in English
    done = _submit(client, row, GOOD)
    assert done.status_code == 200
    db.session.expire_all()
    assert db.session.get(InboxTask, row.id).state == "completed"
    assert FormSubmission.query.filter_by(inbox_task_id=row.id).one().version.number == 1
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Household size" in timeline and "Own home" in timeline and "Yes" in timeline and "Agree" in timeline


def test_the_builder_endpoints_check_on_the_server_and_are_for_administrators(county, client):
    client.login("supervisor")
    assert client.get("/processes/forms").status_code == 403
    assert client.get("/processes/forms/new").status_code == 403
    client.logout()
    client.login("admin")
    save = "/processes/forms/save"
    bad = copy.deepcopy(SCHEMA)
    bad["fields"][3]["options"] = []
    answer = _post_json(client, save, {"code": CODE, "create": True, "title_zh": "村主任核实表", "title_en": "",
                                       "schema": bad}, token_from="/processes/forms/new")
    assert answer.status_code == 422
    problems = answer.get_json()["problems"]
    assert "表单的英文名称必须填写（最多 100 个字）。" in problems
    assert any("第 4 个字段「住房情况」" in p and "至少要有一个选项" in p for p in problems)
    db.session.expire_all()
    assert not form_definitions.get(CODE)
    assert client.raw.post(save, data=json.dumps({"code": CODE}), content_type="application/json").status_code == 400
    answer = _post_json(client, save, {"code": CODE, "create": True, "title_zh": "村主任核实表",
                                       "title_en": "Village head check form", "schema": SCHEMA},
                        token_from="/processes/forms/new")
    assert answer.status_code == 200 and answer.get_json()["number"] == 1
    publish = f"/processes/forms/{CODE}/publish"
    assert _post_json(client, publish, {}, token_from="/processes/forms/new").get_json()["ok"]
    again = _post_json(client, publish, {}, token_from="/processes/forms/new")
    assert again.status_code == 409 and "没有可发布的草稿" in again.get_json()["message"]
    listing = client.get("/processes/forms").get_data(as_text=True)
    assert "村主任核实表" in listing and "第 1 版" in listing
    builder = client.get(f"/processes/forms/{CODE}").get_data(as_text=True)
    assert "household_size" in builder and "已发布：第 1 版" in builder
