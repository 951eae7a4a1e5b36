"""Administrators move running cases to a new version of their process from the browser.

The new version lengthens the visit deadline and adds a township step right after the visit.
Cases sitting at every user task of the old version move, then finish through the inboxes;
cases that passed a changed step stay on their version and keep working.
"""
import re
from datetime import timedelta

from webapp.extensions import db
from webapp.models import AuditEvent, CaseEvent, InboxTask, MigrationRun, ProcessInstance
from webapp.services.admin import migration

from .helpers import open_task, user
from .migration_support import (cases_at_every_task, deploy_precheck_version, deploy_renamed_assignment_version,
                                instance_of)
from .test_case_walkthrough import assign_step, review_step, visit_step
from .worker_fixtures import wait_until


def _start_from_page(client, version, scope="all", instance_ids=(), follow=False):
    page = f"/admin/migration/versions/{version.id}"
    data = {"scope": scope, "instance_ids": [str(i) for i in instance_ids]}
    if follow:
        data["follow_new_deadlines"] = "y"
    response = client.post(f"{page}/runs", data, token_from=page)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    run_id = int(re.search(r"/admin/migration/runs/(\d+)", response.headers["Location"]).group(1))
    return run_id


def _walk_to_the_end(client, case, at):
    """Finish ``case`` from task ``at`` through the inboxes, meeting the new step after the visit."""
    steps = ["assign_household", "visit_household", "precheck", "first_review", "county_audit_review"]
    for step in steps[steps.index(at):]:
        if step == "assign_household":
            village1 = user("village1")
            assign_step(client, case, village1.area.code, village1)
        elif step == "visit_household":
            visit_step(client, case)
        elif step == "precheck":
            # The new step: a township review inside the visit process (the same form kind).
            row = open_task(case, "first_review")
            assert row is not None and row.process_id == "door_to_door_visit" and row.title == "乡镇预审"
            review_step(client, "township", case, "first_review", "approve")
        elif step == "first_review":
            row = open_task(case, "first_review")
            assert row is not None and row.process_id == "township_first_review", case.current_step
            review_step(client, "township", case, "first_review", "approve")
        else:
            review_step(client, "county", case, "county_audit_review", "approve")
    db.session.expire_all()
    assert case.status == "completed", (at, case.current_step)


def test_cases_at_every_task_move_and_finish_through_the_inboxes(county, client):
    at = cases_at_every_task()
    visit_due = open_task(at["visit_household"], "visit_household").due_at
    old, new = deploy_precheck_version()
    running = ProcessInstance.query.filter_by(diagram_version_id=old.id, status="running").count()
    client.login("admin")

    overview = client.get("/admin/migration").get_data(as_text=True)
    assert f'data-version="{old.id}"' in overview and f"第 1 版：{running} 件" in overview
    page = client.get(f"/admin/migration/versions/{old.id}").get_data(as_text=True)
    assert page.count('data-compatible="yes"') == running and 'data-compatible="no"' not in page
    assert "新增“乡镇预审”" in page and "<script>" not in page
    preview = client.get(f"/admin/migration/instances/{instance_of(at['visit_household']).id}").get_data(as_text=True)
    assert "该案件可以迁移" in preview
    # Kept deadline, and the new version's twelve days counted from when the visit began.
    with county.test_request_context():
        from webapp.formatting import localdt

        assert f'<td class="follow-due">{localdt(visit_due + timedelta(days=2))}</td>' in preview

    run_id = _start_from_page(client, old)
    assert migration.run_migration(run_id) == {"migrated": running, "incompatible": 0, "skipped": 0}

    db.session.expire_all()
    assert ProcessInstance.query.filter_by(diagram_version_id=old.id).count() == 0
    assert open_task(at["visit_household"], "visit_household").due_at == visit_due  # not asked to follow
    for case in at.values():
        events = CaseEvent.query.filter_by(case_id=case.id, kind="migrated").all()
        assert len(events) == 1 and events[0].actor.username == "admin"
        assert events[0].comment == "registration_case v1 → v2"
    assert AuditEvent.query.filter_by(action="case_migrated").count() == running
    assert AuditEvent.query.filter_by(action="migration_started").count() == 1
    timeline = client.get(f"/cases/{at['first_review'].id}").get_data(as_text=True)
    assert "流程升级" in timeline
    client.logout()

    for task_name, case in at.items():
        _walk_to_the_end(client, case, task_name)


def test_deadlines_follow_the_new_durations_only_when_chosen(county, client):
    at = cases_at_every_task()
    kept_case, followed_case = at["visit_household"], at["first_review"]
    # A second case at the visit, for the other choice.
    from .helpers import case_at_visit

    followed_case = case_at_visit()
    kept_due = open_task(kept_case, "visit_household").due_at
    followed_due = open_task(followed_case, "visit_household").due_at
    old, new = deploy_precheck_version()
    client.login("admin")
    # Choosing no case starts nothing and says so on the version's page.
    page, runs = f"/admin/migration/versions/{old.id}", MigrationRun.query.count()
    refused = client.post(f"{page}/runs", {"scope": "selected"}, token_from=page)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(page)
    assert "没有选择可迁移的运行中案件。" in client.get(page).get_data(as_text=True)
    assert MigrationRun.query.count() == runs
    first = _start_from_page(client, old, "selected", [instance_of(kept_case).id])
    second = _start_from_page(client, old, "selected", [instance_of(followed_case).id], follow=True)
    migration.run_migration(first)
    migration.run_migration(second)

    assert open_task(kept_case, "visit_household").due_at == kept_due
    assert open_task(followed_case, "visit_household").due_at == followed_due + timedelta(days=2)
    instance = instance_of(followed_case)
    assert instance.diagram_version_id == new.id and instance.next_timer_at is not None
    # Other cases were not chosen: they stay on the old version.
    assert ProcessInstance.query.filter_by(diagram_version_id=old.id, status="running").count() >= 3


def test_cases_that_passed_a_changed_step_are_reported_and_keep_working(county, client):
    at = cases_at_every_task()
    old, new = deploy_renamed_assignment_version()
    at_assign = ProcessInstance.query.join(InboxTask, InboxTask.instance_id == ProcessInstance.id).filter(
        InboxTask.task_name == "assign_household", InboxTask.state == "ready").count()
    client.login("admin")
    page = client.get(f"/admin/migration/versions/{old.id}").get_data(as_text=True)
    assert page.count('data-compatible="no"') == 3 and page.count('data-compatible="yes"') == at_assign
    assert "已经办理的“分配责任人”（名单分发）在新版本中有改动" in page
    stuck = instance_of(at["visit_household"]).id
    preview = client.get(f"/admin/migration/instances/{stuck}").get_data(as_text=True)
    assert "该案件不能迁移" in preview and "分配责任人" in preview

    run_id = _start_from_page(client, old)
    assert migration.run_migration(run_id) == {"migrated": at_assign, "incompatible": 3, "skipped": 0}
    run_page = client.get(f"/admin/migration/runs/{run_id}").get_data(as_text=True)
    assert "未迁移的案件" in run_page and run_page.count("在新版本中有改动") == 3
    client.logout()

    for task_name in ("visit_household", "first_review", "county_audit_review"):
        assert instance_of(at[task_name]).diagram_version_id == old.id
    # The ones left behind keep working on their version; the moved one on the new one.
    visit_step(client, at["visit_household"])
    review_step(client, "township", at["visit_household"], "first_review", "approve")
    review_step(client, "county", at["visit_household"], "county_audit_review", "approve")
    review_step(client, "township", at["first_review"], "first_review", "approve")
    review_step(client, "county", at["first_review"], "county_audit_review", "approve")
    review_step(client, "county", at["county_audit_review"], "county_audit_review", "approve")
    village1 = user("village1")
    assign_step(client, at["assign_household"], village1.area.code, village1)
    assert open_task(at["assign_household"], "visit_household") is not None
    db.session.expire_all()
    assert all(at[name].status == "completed" for name in ("visit_household", "first_review", "county_audit_review"))
    assert instance_of(at["assign_household"]).diagram_version_id == new.id


def _snapshot():
    db.session.expire_all()
    instances = ProcessInstance.query.order_by(ProcessInstance.id)
    return ([(i.id, i.diagram_version_id, i.version, i.state) for i in instances],
            [(t.id, t.state, t.title, t.due_at) for t in InboxTask.query.order_by(InboxTask.id)],
            CaseEvent.query.count(), AuditEvent.query.filter_by(action="case_migrated").count())


def test_the_job_run_twice_changes_nothing_the_second_time(county, client):
    cases_at_every_task()
    old, _ = deploy_precheck_version()
    client.login("admin")
    run_id = _start_from_page(client, old, follow=True)
    first = migration.run_migration(run_id)
    before = _snapshot()
    assert migration.run_migration(run_id) == first
    assert _snapshot() == before
    # A second run over the same (already moved) cases finds nothing to move either.
    assert client.post(f"/admin/migration/versions/{old.id}/runs", {"scope": "all"},
                       token_from=f"/admin/migration/versions/{old.id}").status_code == 302
    assert MigrationRun.query.count() == 1  # nothing was left running on the old version
    assert _snapshot() == before


def test_a_worker_process_runs_the_migration_with_a_progress_bar(county, client, workers):
    cases_at_every_task()
    old, new = deploy_precheck_version()
    running = ProcessInstance.query.filter_by(diagram_version_id=old.id, status="running").count()
    client.login("admin")
    run_id = _start_from_page(client, old)
    page = client.get(f"/admin/migration/runs/{run_id}").get_data(as_text=True)
    assert '<progress id="migration-bar"' in page and 'src="/static/migration.js"' in page
    assert "<script>" not in page and "onclick" not in page and "style=" not in page
    workers.start("bulk", "--no-scheduler")
    wait_until(lambda: db.session.get(MigrationRun, run_id).status == "finished", timeout=120,
               message="the migration run", on_timeout=workers.logs)
    progress = client.get(f"/admin/migration/runs/{run_id}/progress").get_json()
    assert progress == {"status": "finished", "total": running, "done": running, "migrated": running,
                        "incompatible": 0, "skipped": 0, "percent": 100}
    assert ProcessInstance.query.filter_by(diagram_version_id=new.id).count() == running


def test_only_administrators_migrate(county, client):
    old, _ = deploy_precheck_version()
    client.login("county")
    assert client.get("/admin/migration").status_code == 403
    assert client.get(f"/admin/migration/versions/{old.id}").status_code == 403
