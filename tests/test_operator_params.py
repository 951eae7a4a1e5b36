"""Service task parameters checked against the operator allow-list as the administrator types,
and by the upload pre-check naming the element."""
import os
import re

from webapp.engine.preflight import check_upload

from .test_process_editor import post_json

BPMN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bpmn")


def _check(client, operator, params):
    return post_json(client, "/processes/edit/check-operator", {"operator": operator, "params": params}).get_json()


def _chinese(messages):
    return messages and all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)


def test_each_parameter_is_checked_with_chinese_messages(county, client):
    client.login("admin")
    assert _check(client, "notify_reminder", "task = 'visit_household'") == {"ok": True, "messages": []}
    assert _check(client, "registry_apply", "") == {"ok": True, "messages": []}
    missing = _check(client, "notify_reminder", "")
    assert not missing["ok"] and any("缺少参数 task" in m for m in missing["messages"])
    unknown = _check(client, "close_problem", "reason = 'x'")
    assert any("没有参数 reason" in m for m in unknown["messages"])
    unsafe = _check(client, "escalate_task", "task = __import__('os')")
    assert any("参数 task 的表达式被拒绝" in m for m in unsafe["messages"]) and _chinese(unsafe["messages"])
    broken = _check(client, "escalate_task", "task visit")
    assert any("第 1 行" in m for m in broken["messages"]) and _chinese(broken["messages"])
    assert not _check(client, "send_email", "")["ok"] and not _check(client, "", "")["ok"]


def test_only_administrators_may_ask(county, client):
    client.login("township")
    assert post_json(client, "/processes/edit/check-operator", {"operator": "x", "params": ""}).status_code in (302, 403)


def test_the_upload_precheck_refuses_a_bad_parameter_naming_the_service_task(app):
    with open(os.path.join(BPMN_DIR, "problem_data.bpmn"), encoding="utf-8") as handle:
        xml = handle.read()
    assert check_upload("problem_data.bpmn", xml.encode()) == []
    bad = xml.replace("<spiffworkflow:parameters />",
                      '<spiffworkflow:parameters><spiffworkflow:parameter id="outcome" type="str" value="1" />'
                      "</spiffworkflow:parameters>")
    with app.test_request_context():
        problems = [str(p) for p in check_upload("problem_data.bpmn", bad.encode())]
    assert len(problems) == 1 and "关闭问题数据" in problems[0] and "outcome" in problems[0]
