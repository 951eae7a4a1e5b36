"""Staff accounts in the browser: administrators create, edit, disable, re-enable and reset
accounts (the user must change the password at next log-in); everything is audited; disabled
staff cannot log in and get no work; non-administrators are refused."""
import re

import pytest

from webapp.extensions import db
from webapp.models import Area, AuditEvent, InboxTask, User
from webapp.services import scoping
from webapp.services.casework import assignment, supervision, tasks

from .helpers import case_at_visit, open_task, user

TOWNSHIP_CODE = "341721100000"


def _village(index=0):
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    return Area.query.filter_by(parent_id=township.id).order_by(Area.code).all()[index]


def _audits(action, target=None):
    db.session.expire_all()
    query = AuditEvent.query.filter_by(action=action)
    if target is not None:
        query = query.filter_by(object_type="user", object_id=str(target.id))
    return query.all()


def _shown_password(html):
    match = re.search(r'<code class="password">([^<]+)</code>', html)
    assert match, html[:2000]
    return match.group(1)


def _create(client, **fields):
    data = {"username": "zhangsan", "display_name": "张三", "role": "village", "area_id": _village(2).id,
            "password": ""}
    data.update(fields)
    return client.post("/admin/users/new", data, token_from="/admin/users/new")


def test_admin_creates_a_village_assistant_who_must_change_the_password(county, client, make_client):
    client.login("admin")
    response = _create(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = _shown_password(response.get_data(as_text=True))
    created = user("zhangsan")
    assert created.role == "village" and created.area_id == _village(2).id and created.must_change_password
    assert password not in created.password_hash
    [event] = _audits("user_created", created)
    assert event.user_id == user("admin").id and password not in (event.detail or "")

    person = make_client()
    person.login("zhangsan", password)
    # Every page leads to the change-password page until the password is changed.
    for url in ("/inbox", "/cases", "/registry/persons"):
        answer = person.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/password"), url
    page = person.get("/password").get_data(as_text=True)
    assert "请先修改密码" in page
    weak = person.post("/password", {"current_password": password, "new_password": "short",
                                     "confirm_password": "short"}, token_from="/password")
    assert weak.status_code == 200 and "密码至少 8 位" in weak.get_data(as_text=True)
    with_login = person.post("/password", {"current_password": password, "new_password": "zhangsan2026",
                                           "confirm_password": "zhangsan2026"}, token_from="/password")
    assert "密码不能包含登录名" in with_login.get_data(as_text=True)
    done = person.post("/password", {"current_password": password, "new_password": "Cun2026mima",
                                     "confirm_password": "Cun2026mima"}, token_from="/password")
    assert done.status_code == 302
    assert person.get("/inbox").status_code == 200
    db.session.expire_all()
    assert not user("zhangsan").must_change_password and user("zhangsan").last_login_at is not None
    assert _audits("password_changed", user("zhangsan"))


@pytest.mark.parametrize("role, area, message", [
    ("village", "township", "村(社区)协理员的所属地区必须是村或社区"),
    ("township", "village", "乡镇社保所人员的所属地区必须是乡镇"),
    ("county", "township", "县级岗位的所属地区必须是县"),
])
def test_the_home_area_must_fit_the_role(county, client, role, area, message):
    client.login("admin")
    areas = {"township": Area.query.filter_by(code=TOWNSHIP_CODE).one(), "village": _village(2)}
    response = _create(client, role=role, area_id=areas[area].id)
    assert message in response.get_data(as_text=True)
    assert User.query.filter_by(username="zhangsan").count() == 0


def test_duplicate_login_and_typed_password_rules(county, client):
    client.login("admin")
    assert "已被使用" in _create(client, username="Village1").get_data(as_text=True)
    assert "须同时包含字母和数字" in _create(client, password="onlyletters").get_data(as_text=True)
    typed = _create(client, password="Chushi2026")
    assert _shown_password(typed.get_data(as_text=True)) == "Chushi2026"
    assert user("zhangsan").check_password("Chushi2026")


def test_edit_role_and_area_is_audited(county, client):
    client.login("admin")
    target = user("village2")
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "村(社区)协理员" in page and "从未登录" in page
    response = client.post(f"/admin/users/{target.id}", {"display_name": "改岗人员", "role": "township",
                                                         "area_id": township.id},
                           token_from=f"/admin/users/{target.id}")
    assert response.status_code == 302
    db.session.expire_all()
    changed = user("village2")
    assert (changed.role, changed.area_id, changed.display_name) == ("township", township.id, "改岗人员")
    [event] = _audits("user_updated", changed)
    assert "role village->township" in event.detail and event.user_id == user("admin").id


def test_reset_password_forces_a_change_and_is_audited(county, client, make_client):
    client.login("admin")
    target = user("township2")
    response = client.post(f"/admin/users/{target.id}/password", {"password": ""},
                           token_from=f"/admin/users/{target.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = _shown_password(response.get_data(as_text=True))
    assert len(password) >= 12
    [event] = _audits("password_reset", target)
    assert event.detail == "generated" and password not in event.detail
    person = make_client()
    failed = person.post("/login", {"username": "township2", "password": "demo1234"})
    assert failed.status_code == 401  # the old password no longer works
    person.login("township2", password)
    assert person.get("/inbox").headers["Location"].endswith("/password")
    # Logging out stays possible while the change is pending.
    assert person.post("/logout", token_from="/password").status_code == 302
    assert person.get("/password").status_code == 302  # logged out: back to the log-in page


def test_disabled_user_cannot_log_in_nor_get_work_and_their_tasks_stay_for_supervisors(county, client,
                                                                                       make_client):
    case = case_at_visit("village1")
    visit = open_task(case, "visit_household")
    visitor = user("village1")
    assert visit.assignee_id == visitor.id
    db.session.commit()
    session_of_visitor = make_client()
    session_of_visitor.login("village1")

    client.login("admin")
    response = client.post(f"/admin/users/{visitor.id}/active", {"active": "0"}, token_from="/admin/users")
    assert response.status_code == 302
    db.session.expire_all()
    assert not user("village1").active
    assert _audits("user_disabled", visitor)[0].detail == "open_tasks=1"
    listing = client.get("/admin/users?status=disabled").get_data(as_text=True)
    assert 'data-user="village1"' in listing and 'data-user="village2"' not in listing

    # No log-in, and the session already open ends.
    assert make_client().post("/login", {"username": "village1", "password": "demo1234"}).status_code == 401
    assert session_of_visitor.get("/inbox").status_code == 302
    # Offered nowhere: distribution forms, supervisors' reassignment, new tasks of their case.
    township = user("township")
    assert visitor not in tasks.visitors_of_township(township.area.township_code)
    supervisor = user("supervisor")
    assert visitor not in scoping.staff_in_scope(supervisor, supervision.WORKING_ROLES)
    assert visitor not in scoping.team_of(visit)
    with county.test_request_context(), pytest.raises(supervision.SupervisionRefused):
        supervision.check_target(visit, visitor)
    fresh = InboxTask(case_id=case.id, lane="village", task_name="visit_household")
    assignment.assign_new_task(fresh, case)
    assert fresh.assignee_id is None
    # The open task they held is still listed for the supervisor to reassign.
    db.session.rollback()
    supervisor_client = make_client()
    supervisor_client.login("supervisor")
    page = supervisor_client.get("/supervision/tasks?due=all").get_data(as_text=True)
    assert f'data-task="{visit.id}"' in page

    # Re-enabled: logs in again.
    client.post(f"/admin/users/{visitor.id}/active", {"active": "1"}, token_from="/admin/users")
    assert _audits("user_enabled", visitor)
    make_client().login("village1")


def test_the_assign_page_does_not_offer_a_disabled_assistant(county, client, make_client):
    from .helpers import case_in_village

    case = case_in_village()
    row = open_task(case, "assign_household")
    db.session.commit()
    client.login("admin")
    client.post(f"/admin/users/{user('village2').id}/active", {"active": "0"}, token_from="/admin/users")
    township = make_client()
    township.login("township")
    township.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox")
    page = township.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    assert user("village1").display_name in page
    assert user("village2").display_name not in page


def test_an_admin_cannot_lock_everyone_out(county, client):
    client.login("admin")
    admin = user("admin")
    client.post(f"/admin/users/{admin.id}/active", {"active": "0"}, token_from="/admin/users")
    db.session.expire_all()
    assert user("admin").active
    assert "不能停用自己的账户" in client.get("/admin/users").get_data(as_text=True)


def test_users_list_filters_pages_and_exports(county, client):
    from openpyxl import load_workbook
    import io

    client.login("admin")
    page = client.get("/admin/users?role=village").get_data(as_text=True)
    assert 'data-user="village1"' in page and 'data-user="township"' not in page
    by_area = client.get("/admin/users?area=" + _village(0).name[:2]).get_data(as_text=True)
    assert 'data-user="village1"' in by_area and 'data-user="admin"' not in by_area
    by_text = client.get("/admin/users?q=社保所").get_data(as_text=True)
    assert 'data-user="township2"' in by_text and 'data-user="village1"' not in by_text
    assert "从未登录" in page and "最近登录" in page
    export = client.get("/admin/users.xlsx?role=township")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.data)).active
    logins = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(logins) == ["township", "township2"]
    assert _audits("users_exported")


@pytest.mark.parametrize("username", ["village1", "township", "supervisor", "county"])
def test_non_admins_are_refused(county, make_client, username):
    person = make_client()
    person.login(username)
    for url in ("/admin/users", "/admin/users/new", "/admin/users/import", "/admin/users.xlsx"):
        assert person.get(url).status_code == 403, url
    target = user("village2")
    token = person.token("/notifications/")
    assert person.raw.post(f"/admin/users/{target.id}/active", data={"csrf_token": token, "active": "0"}).status_code == 403
    assert person.raw.post(f"/admin/users/{target.id}/password", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert user("village2").active


def test_forms_need_the_csrf_token(county, client):
    client.login("admin")
    target = user("village2")
    response = client.raw.post(f"/admin/users/{target.id}/active", data={"active": "0"})
    assert response.status_code == 400
    db.session.expire_all()
    assert user("village2").active


def test_staff_pages_in_english_leave_no_chinese_interface_text(county, client):
    from .test_i18n import data_strings, untranslated_in

    client.login("admin")
    client.post("/language/en", {"next": "/admin/users"}, token_from="/admin/users")
    data = data_strings()
    target = user("village1")
    for url in ("/admin/users", "/admin/users?role=village&status=disabled", "/admin/users/new",
                f"/admin/users/{target.id}", "/admin/users/import"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert untranslated_in(response.get_data(as_text=True), data) == [], url
    reset = client.post(f"/admin/users/{target.id}/password", {"password": ""},
                        token_from=f"/admin/users/{target.id}")
    assert untranslated_in(reset.get_data(as_text=True), data) == []


def test_the_command_line_applies_the_same_rules(county, runner):
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    bad = runner.invoke(args=["users", "create", "wrongplace", "--role", "village", "--area", township.code,
                              "--password", "Pass2026word"])
    assert bad.exit_code != 0 and "村(社区)协理员的所属地区必须是村或社区" in bad.output
    good = runner.invoke(args=["users", "create", "newtown", "--role", "township", "--area", township.code,
                               "--password", "Pass2026word"])
    assert good.exit_code == 0, good.output
    created = user("newtown")
    assert created.check_password("Pass2026word") and not created.must_change_password
    assert _audits("user_created", created)


def test_a_data_provider_needs_a_department(county, client):
    client.login("admin")
    county_area = Area.query.filter_by(level="county").one()
    refused = _create(client, username="weijian", role="data_provider", area_id=county_area.id)
    assert "须选择所属部门" in refused.get_data(as_text=True)
    created = _create(client, username="weijian", role="data_provider", area_id=county_area.id, department="health")
    assert created.status_code == 200
    assert user("weijian").department == "health"
    # Another role drops the department.
    township = Area.query.filter_by(code=TOWNSHIP_CODE).one()
    target = user("weijian")
    client.post(f"/admin/users/{target.id}", {"display_name": "卫健", "role": "township", "area_id": township.id,
                                              "department": "health"}, token_from=f"/admin/users/{target.id}")
    db.session.expire_all()
    assert user("weijian").department is None and user("weijian").role == "township"
