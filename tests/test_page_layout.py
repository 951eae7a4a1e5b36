"""The shortcuts of the task list and the shared header give the same page as the slow path.

The task list's rows are built in one Python pass (webapp/inbox/task_list.py) and must show what
the per-cell filters and ``url_for`` showed, in both languages and under two mount points; the
header's menu is rendered once per role, language and mount point (webapp/layout.py) and must be
what rendering it afresh gives, while the unread count stays live.
"""
import re
from datetime import timedelta

import pytest
from flask import url_for
from flask_babel import force_locale

from tests.helpers import case_at_visit, user
from webapp import formatting
from webapp.extensions import db
from webapp.inbox.task_list import task_list_rows
from webapp.models import InboxTask
from webapp.models.base import utcnow
from webapp.services import notifications
from webapp.services.casework import inbox

ROLES = ("village1", "township", "county", "agency", "supervisor", "admin", "gongan")


def _varied_tasks():
    """Three visits for village1: one late, one marked overdue with a return reason, one plain;
    and a task in the township's team lane."""
    for _ in range(3):
        case_at_visit("village1")
    rows = InboxTask.query.filter_by(state="ready", assignee_id=user("village1").id).order_by(InboxTask.id).all()
    rows[0].due_at = utcnow() - timedelta(days=2)
    rows[1].overdue, rows[1].return_reason = True, "缺少<签名> & 照片"
    db.session.commit()


@pytest.mark.parametrize("mount", ["", "/reg"])
def test_task_list_rows_equal_the_filters_in_both_languages(county, app, mount):
    _varied_tasks()
    for name, view in (("village1", "mine"), ("township", "team")):
        staff = user(name)
        # The page's plain rows, checked against the InboxTasks of the general query.
        plain, _total, _figures = inbox.page_and_counts(staff, inbox.InboxFilter(view=view), 1, 20)
        rows, _total = inbox.list_tasks(staff, inbox.InboxFilter(view=view), 1, 20)
        assert rows and [row.id for row in plain] == [row.id for row in rows]
        for locale in ("zh_Hans_CN", "en"):
            with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}), force_locale(locale):
                fast = task_list_rows(plain, view)
                now = utcnow()
                for row, shown in zip(rows, fast, strict=True):
                    action = "inbox.claim" if view == "team" else "inbox.unclaim"
                    assert shown.task_url == url_for("inbox.task", task_id=row.id)
                    assert shown.case_url == url_for("cases.case_page", case_id=row.case_id)
                    assert shown.action_url == url_for(action, task_id=row.id)
                    assert shown.task_url.startswith(mount + "/inbox/tasks/")
                    assert shown.title == formatting.task_title(row.title)
                    assert shown.area == formatting.area_name(row.village_code or row.township_code)
                    assert shown.due == (formatting.localdt(row.due_at) if row.due_at else "")
                    assert shown.late == bool(row.due_at and (row.due_at < now or row.overdue))
                    assert (shown.id, shown.case_title, shown.return_reason) == (row.id, row.case.title,
                                                                                 row.return_reason)
                if locale == "en" and view == "mine":
                    assert all(shown.title == "Door-to-door visit" for shown in fast)


def test_task_list_area_names_read_with_the_rows_equal_the_area_filter(county, app):
    # The rows carry their area's name (a subquery of the page's statement): a village's name, the
    # township's when the task has no village (None or empty), the code itself when no area has it.
    _varied_tasks()
    staff = user("township")
    tasks = InboxTask.query.filter_by(state="ready", assignee_id=user("village1").id).order_by(InboxTask.id).all()
    for task, village in zip(tasks, (None, "", "999999999999")):
        task.village_code, task.assignee_id, task.lane = village, None, "township"
    db.session.commit()
    plain, _total, _figures = inbox.page_and_counts(staff, inbox.InboxFilter(view="team"), 1, 50)
    codes = {row.id: row.village_code for row in plain}
    assert {codes[task.id] for task in tasks} == {None, "", "999999999999"}
    with app.test_request_context("/inbox"):
        shown = task_list_rows(plain, "team")
        for row, fast in zip(plain, shown, strict=True):
            assert fast.area == formatting.area_name(row.village_code or row.township_code)
    areas = {fast.id: fast.area for fast in shown}
    assert areas[tasks[2].id] == "999999999999"
    assert areas[tasks[0].id] == areas[tasks[1].id] == formatting.area_name(tasks[0].township_code) != ""


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_task_list_page_shows_each_rows_texts_and_links(county, app, client, language):
    _varied_tasks()
    client.login("village1")
    client.post(f"/language/{language}", {"next": "/inbox"}, token_from="/inbox")
    html = client.get("/inbox").get_data(as_text=True)
    rows, _total = inbox.list_tasks(user("village1"), inbox.InboxFilter(), 1, 20)
    with app.test_request_context("/inbox"), force_locale(language):
        for row in rows:
            assert f'<tr data-task="{row.id}">' in html
            assert f'<a href="/inbox/tasks/{row.id}">{formatting.task_title(row.title)}</a>' in html
            assert f'<a href="/cases/{row.case_id}">{row.case.title}</a>' in html
            assert f'action="/inbox/tasks/{row.id}/unclaim"' in html
            assert formatting.area_name(row.village_code) in html
            if row.due_at:
                assert formatting.localdt(row.due_at) in html
    assert html.count('class="due late"') == 2  # the late one and the one marked overdue
    assert "缺少&lt;签名&gt; &amp; 照片" in html  # escaped like any value
    assert ("Returned: " if language == "en" else "退回：") in html


def _nav(html):
    return re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)


def test_cached_header_menu_equals_a_fresh_rendering_per_role_and_language(county, app, client):
    for name in ROLES:
        for language in ("zh_Hans_CN", "en"):
            client.login(name)
            client.post(f"/language/{language}", {"next": "/notifications/"}, token_from="/notifications/")
            cached = [_nav(client.get("/notifications/").get_data(as_text=True)) for _ in range(2)]
            app.jinja_env.auto_reload = True  # templates reloaded on change: the menu rendered every time
            try:
                fresh = _nav(client.get("/notifications/").get_data(as_text=True))
            finally:
                app.jinja_env.auto_reload = False
            assert cached[0] == cached[1] == fresh
            client.logout()
    menus = app.extensions["header_menus"].snapshot()
    assert {(locale, role) for _mount, locale, role in menus} == {
        (locale, role) for locale in ("zh_Hans_CN", "en")
        for role in ("village", "township", "county", "agency", "supervisor", "admin", "data_provider")}
    village = menus["", "en", "village"]
    assert 'id="nav-tasks">My inbox</a>' in village and "nav-intake" not in village and "nav-ops" not in village
    assert 'id="nav-ops"' in menus["", "zh_Hans_CN", "admin"] and "nav-tasks" not in menus["", "en", "admin"]
    assert 'id="nav-intake">信息比对</a>' in menus["", "zh_Hans_CN", "data_provider"]


def test_header_menu_follows_the_mount_point(county, client):
    client.login("village1")
    mounted = client.raw.get("/inbox", environ_overrides={"SCRIPT_NAME": "/reg"}).get_data(as_text=True)
    assert 'href="/reg/inbox" id="nav-tasks"' in _nav(mounted)
    assert 'href="/inbox" id="nav-tasks"' in _nav(client.get("/inbox").get_data(as_text=True))


def test_unread_count_stays_live_beside_the_cached_menu(county, client):
    staff = user("village1")
    notifications.mark_read(staff)
    db.session.commit()
    client.login("village1")
    assert 'id="notification-count"' not in client.get("/inbox").get_data(as_text=True)
    notifications.notify([staff.id], "reminder", message="one")
    notifications.notify([staff.id], "reminder", message="two")
    db.session.commit()
    assert 'id="notification-count">2</span>' in client.get("/inbox").get_data(as_text=True)
    # Another user of the same role and language shares the menu but not the count.
    client.logout()
    client.login("village2")
    html = client.get("/inbox").get_data(as_text=True)
    assert 'id="nav-tasks"' in html and 'id="notification-count">2</span>' not in html
