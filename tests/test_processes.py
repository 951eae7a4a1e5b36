"""Process pages: numbered versions with who/when/comment, rollback, diff, heatmap, case diagram."""
import io
import json
import re
from datetime import timedelta

from webapp.extensions import db
from webapp.models import AuditEvent, Case, DiagramVersion, Household, InboxTask, ProcessInstance
from webapp.models.base import utcnow

from .helpers import case_at_visit, user

PROCESS = "registration_case"


def _upload(client, name, text, comment):
    return client.post("/admin/diagrams", {"process_id": PROCESS, "comment": comment,
                                           "file": (io.BytesIO(text.encode("utf-8")), name)},
                       token_from="/admin/diagrams", content_type="multipart/form-data")


def _deploy_longer_audit(client, days="P9D", comment="县级审核期限延长"):
    current = DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()
    text = current.files["county_audit.bpmn"].replace('"P7D"', f'"{days}"')
    assert _upload(client, "county_audit.bpmn", text, comment).status_code == 302
    db.session.expire_all()


def _new_case():
    from webapp.services.casework import cases

    used = {c.household_id for c in Case.query.filter(Case.household_id.isnot(None))}
    household = Household.query.filter(Household.id.notin_(used)).first() if used else Household.query.first()
    if household is None:
        household = Household.query.first()
    case = cases.start_registration_case(household, user("admin"))
    db.session.commit()
    return case


def test_versions_are_numbered_per_process_with_who_when_comment_and_running_cases(county, client):
    client.login("admin")
    running_on_first = ProcessInstance.query.filter_by(status="running").join(DiagramVersion).filter(
        DiagramVersion.process_id == PROCESS).count()
    _deploy_longer_audit(client)
    page = client.get(f"/processes/{PROCESS}").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-version="(\d+)"[^>]*>(.*?)</tr>', page, re.S))
    assert set(rows) == {"1", "2"}
    assert "第 2 版" in rows["2"] and "（当前）" in rows["2"] and "县级审核期限延长" in rows["2"]
    assert "系统管理员" in rows["2"] or user("admin").display_name in rows["2"]
    assert "随系统发布的流程图" in rows["1"]
    assert re.search(r'class="running">(\d+)<', rows["1"]).group(1) == str(running_on_first)
    assert re.search(r'class="running">(\d+)<', rows["2"]).group(1) == "0"
    # No table id leaks as a version number; every file of version 1 downloads.
    assert "bpmn-canvas" in page and 'data-xml-url="/processes/registration_case/versions/2/files/' in page
    download = client.get(f"/processes/{PROCESS}/versions/1/files/county_audit.bpmn?download=1")
    assert download.status_code == 200 and '"P7D"' in download.get_data(as_text=True)
    assert "attachment" in download.headers["Content-Disposition"]


def test_rollback_new_cases_use_it_running_cases_keep_theirs(county, client):
    client.login("admin")
    _deploy_longer_audit(client)
    second = DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()
    on_second = _new_case()
    assert on_second.instances[0].diagram_version_id == second.id

    response = client.post(f"/processes/{PROCESS}/versions/1/rollback", {}, token_from=f"/processes/{PROCESS}")
    assert response.status_code == 302
    db.session.expire_all()
    first = DiagramVersion.query.filter_by(process_id=PROCESS).order_by(DiagramVersion.id).first()
    assert DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one().id == first.id
    audit = AuditEvent.query.filter_by(action="diagram_rollback").one()
    assert audit.object_id == PROCESS and "2 -> 1" in audit.detail and audit.user_id == user("admin").id

    on_first = _new_case()
    assert on_first.instances[0].diagram_version_id == first.id
    db.session.expire_all()
    assert db.session.get(Case, on_second.id).instances[0].diagram_version_id == second.id
    page = client.get(f"/processes/{PROCESS}").get_data(as_text=True)
    assert re.search(r'<tr data-version="1" class="current">', page)


def test_only_admins_roll_back_supervisors_may_view_others_may_not(county, client, make_client):
    client.login("admin")
    _deploy_longer_audit(client)
    supervisor = make_client()
    supervisor.login("supervisor")
    page = supervisor.get(f"/processes/{PROCESS}")
    assert page.status_code == 200 and "class=\"rollback\"" not in page.get_data(as_text=True)
    refused = supervisor.post(f"/processes/{PROCESS}/versions/1/rollback", {}, token_from=f"/processes/{PROCESS}")
    assert refused.status_code == 403
    county_user = make_client()
    county_user.login("county")
    assert county_user.get(f"/processes/{PROCESS}").status_code == 403
    assert county_user.get(f"/processes/{PROCESS}/versions/1/files/county_audit.bpmn").status_code == 403


def test_diff_lists_the_changed_timer_on_the_diagram_and_in_the_list(county, client):
    client.login("admin")
    current = DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()
    text = (current.files["county_audit.bpmn"].replace('"P7D"', '"P9D"')
            .replace('name="完成"', 'name="审核完成"'))
    assert _upload(client, "county_audit.bpmn", text, "diff").status_code == 302
    page = client.get(f"/processes/{PROCESS}/diff?old=1&new=2").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-element="([^"]+)" data-kind="changed">(.*?)</tr>', page, re.S))
    # The deadline is a property of the user task (expanded into timers by the engine only).
    assert set(rows) == {"county_audit_review", "county_audit_end"}
    assert "P9D" in rows["county_audit_review"] and "用户任务" in rows["county_audit_review"]
    assert "名称" in rows["county_audit_end"] and "审核完成" in rows["county_audit_end"]
    markers = [json.loads(m.replace("&#34;", '"')) for m in re.findall(r"data-markers='([^']*)'", page)]
    assert {"county_audit_review": "diff-changed", "county_audit_end": "diff-changed"} in markers


def _open_rows_on(version_id):
    return [row for row in InboxTask.query.filter_by(state="ready") if row.diagram_version_id == version_id]


def test_heatmap_counts_equal_an_independent_count(county, client):
    version = DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()
    visit_case = case_at_visit()
    late = InboxTask.query.filter_by(case_id=visit_case.id, state="ready").one()
    late.due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    expected = {}
    for row in _open_rows_on(version.id):
        counts = expected.setdefault(row.task_name, [0, 0])
        counts[0] += 1
        counts[1] += int(row.due_at is not None and row.due_at < utcnow())
    assert expected["visit_household"][1] >= 1

    client.login("supervisor")
    page = client.get(f"/processes/{PROCESS}/heatmap").get_data(as_text=True)
    shown = {task: [int(o), int(d)] for task, o, d in re.findall(
        r'<tr data-task="([^"]+)"[^>]*>.*?class="open">(\d+)<.*?class="overdue[^"]*">(\d+)<', page, re.S)}
    assert {task: n for task, n in shown.items() if n[0]} == expected
    assert all(n == [0, 0] for task, n in shown.items() if task not in expected)
    assert "first_review" in shown and "county_audit_review" in shown  # every user task has a row
    assert 'data-overlays=\'{"' in page

    township = late.township_code
    filtered = client.get(f"/processes/{PROCESS}/heatmap?township={township}").get_data(as_text=True)
    shown = {task: int(o) for task, o in re.findall(r'<tr data-task="([^"]+)"[^>]*>.*?class="open">(\d+)<', filtered, re.S)}
    shown = {task: n for task, n in shown.items() if n}
    independent = {}
    for row in _open_rows_on(version.id):
        if row.township_code == township:
            independent[row.task_name] = independent.get(row.task_name, 0) + 1
    assert shown == independent


def test_case_page_marks_the_path_and_the_current_task(county, client):
    case = case_at_visit()
    client.login("village1")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="case-diagrams"' in page
    markers = {}
    for raw in re.findall(r"data-markers='([^']*)'", page):
        markers.update(json.loads(raw.replace("&#34;", '"')))
    assert markers["visit_household"] == "path-current"
    assert markers["assign_household"] == "path-done"
    # Flows taken are marked, also into and out of a task that carries deadline timers.
    assert markers["distribution_start_flow"] == "path-done"
    assert markers["assign_household_done_flow"] == "path-done"
    assert "visit_household_done_flow" not in markers  # not taken yet
    urls = re.findall(r'data-xml-url="([^"]+)"', page)
    assert urls and all(client.get(u).status_code == 200 for u in urls)


def test_case_diagram_files_are_area_scoped(county, client):
    case = case_at_visit()
    instance = case.instances[0]
    client.login("village2")
    url = f"/processes/cases/{case.id}/instances/{instance.id}/registration_case.bpmn"
    assert client.get(url).status_code == 404


def test_deploys_are_audited_and_the_admin_list_shows_numbers_not_ids(county, client):
    client.login("admin")
    _deploy_longer_audit(client, comment="审计")
    event = AuditEvent.query.filter_by(action="diagram_deploy").one()
    assert event.object_id == PROCESS and event.detail.startswith("version 2")
    page = client.get("/admin/diagrams").get_data(as_text=True)
    assert "第 2 版" in page and "第 1 版" in page


def test_the_heatmap_query_is_served_by_its_covering_index(county):
    """The grouped count reads ix_inbox_heatmap alone (SQLite: covering; PostgreSQL: usable)."""

    from webapp.models import User
    from webapp.services.admin import processes

    version = DiagramVersion.query.filter_by(process_id=PROCESS, is_current=True).one()
    admin = User.query.filter_by(username="admin").one()
    captured = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "GROUP BY" in statement and "inbox_task" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        processes.heatmap(version.id, admin)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(captured) == 1  # one grouped query
    statement, parameters = captured[0]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        assert "ix_inbox_heatmap" in plan and "Index Only Scan" in plan, plan
    else:
        plan = "\n".join(str(r[-1]) for r in db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
        assert "COVERING INDEX ix_inbox_heatmap" in plan, plan
    db.session.rollback()
