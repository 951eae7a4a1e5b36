"""The task list's rows and its tabs and filter form are patterns filled with each page's values
(webapp/fragments.slotted): what they give must be what rendering their templates with those
values gives, byte for byte, in both languages, under two mount points, from the cache and afresh.
"""
import re
from datetime import timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from tests.helpers import case_at_visit, user
from webapp import formatting, fragments
from webapp.extensions import db
from webapp.inbox.task_list import TaskListRow, filters_markup, task_list_body, task_list_markup, task_list_rows
from webapp.models import InboxTask
from webapp.models.base import utcnow
from webapp.services.casework import inbox

LANGUAGES = ("zh_Hans_CN", "en")
# Markup, quotes, braces (the patterns are format strings) and a format field in a user's text.
TRICKY = "缺少<签名> & \"照片\" 's {0} {text} }{"


def _varied_visits():
    """Four visits of village1: late, marked overdue and returned (with a tricky reason), without a
    deadline, plain."""
    for _ in range(4):
        case_at_visit("village1")
    rows = InboxTask.query.filter_by(state="ready", assignee_id=user("village1").id).order_by(InboxTask.id).all()
    rows[0].due_at = utcnow() - timedelta(days=2)
    rows[1].overdue, rows[1].return_reason = True, TRICKY
    rows[2].due_at = None
    db.session.commit()


def _fresh(template, **context):
    """``template`` rendered now with ``context``, as the page rendered it before."""
    return current_app.jinja_env.get_template(template).render(**context)


def _each_way(app, check):
    """Run ``check()`` in a request of each language and mount point: from the patterns kept,
    a second time from them, and with templates reloading (rendered afresh)."""
    for mount in ("", "/reg"):
        for locale in LANGUAGES:
            for reload in (False, False, True):
                app.jinja_env.auto_reload = reload
                try:
                    with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}), \
                            force_locale(locale):
                        check()
                finally:
                    app.jinja_env.auto_reload = False


def test_task_rows_equal_their_template_rendered_row_by_row(county, app):
    _varied_visits()
    cases = [("village1", "mine"), ("township", "team"), ("township", "mine"), ("village1", "team")]

    kinds = set()

    def check():
        for name, view in cases:
            staff = user(name)
            login_user(staff)
            plain, _total, _figures = inbox.page_and_counts(staff, inbox.InboxFilter(view=view), 1, 20)
            # A plain row whose every text is tricky.
            plain += [plain[0]._replace(title=TRICKY, case_title=TRICKY, area_name=TRICKY,
                                        return_reason=TRICKY)] if plain else []
            rows = task_list_rows(plain, view)
            # A row of every kind, and one whose every text is tricky.
            rows.append(TaskListRow(id=7, title=TRICKY, task_url="/t/7?a=1&b=2", case_url="/c/{1}", case_title=TRICKY,
                                    area=TRICKY, due=TRICKY, late=True, return_reason=TRICKY, action_url="/a/7"))
            kinds.update((row.late, bool(row.due), bool(row.return_reason)) for row in rows[:-1])
            for selectable in (False, True):
                shown = task_list_markup(rows, view, selectable)
                fresh = [_fresh("inbox/_task_row.html", row=row, token=generate_csrf(), team=view == "team",
                                selectable=selectable) for row in rows]
                assert [str(html) for html in shown] == fresh
                # The page's table body (its rows kept filled): the rows as the page's loop wrote them.
                body = task_list_body(plain, view, selectable)
                assert str(body) == "".join(f"\n    {html}\n  " for html in fresh[:-1])

    _each_way(app, check)
    assert kinds >= {(True, True, False), (True, True, True), (False, False, False), (False, True, False)}


@pytest.mark.parametrize("name", ["village1", "township", "county"])
def test_tabs_and_filters_equal_their_template_rendered_afresh(county, app, name):
    _varied_visits()
    staff = user(name)
    choices = inbox.area_choices(staff)
    some_area = choices[0][1][0].code if choices else None
    filters = [inbox.InboxFilter(), inbox.InboxFilter(view="team", sort="-due", due="overdue"),
               inbox.InboxFilter(text=TRICKY, area_code=some_area, process_id="door_to_door_visit", due="soon",
                                 sort="new"),
               inbox.InboxFilter(view="\x1ftext\x1f", text="{mine}")]  # a forged slot is only text
    figures = [{"mine": 0, "team": 0, "overdue": 0}, {"mine": 1234567, "team": 3, "overdue": 2}]

    def check():
        login_user(staff)
        for flt in filters:
            for counts in figures:
                shown = filters_markup(flt, counts, choices, staff.role == "village")
                fresh = _fresh("inbox/_list_filters.html", flt=flt, areas=choices, offline=staff.role == "village",
                               late=bool(counts["overdue"]),
                               counts={key: formatting.number(value) for key, value in counts.items()})
                assert str(shown) == fresh
                assert ("1,234,567" in shown) == (counts["mine"] == 1234567)

    _each_way(app, check)


def test_the_page_shows_the_filled_rows_and_filters(county, client):
    _varied_visits()
    client.login("village1")
    html = client.get("/inbox", query_string={"q": TRICKY}).get_data(as_text=True)
    assert 'value="缺少&lt;签名&gt; &amp; &#34;照片&#34; &#39;s {0} {text} }{"' in html
    html = client.get("/inbox").get_data(as_text=True)
    assert "退回：缺少&lt;签名&gt; &amp; &#34;照片&#34; &#39;s {0} {text} }{" in html
    assert html.count("<tr data-task=") == 4 and 'id="open-offline"' in html


def test_a_pattern_cannot_hold_a_csrf_token(app):
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="CSRF"):
            fragments.slotted("probe", "token", app.jinja_env.from_string("{{ csrf_token() }}"))


def test_each_session_gets_its_own_csrf_token_in_the_kept_rows(county, make_client):
    # The rows are kept filled for every page that shows them; the token in their forms is the
    # page's own, never the one of the session that filled them first.
    _varied_visits()
    tokens = []
    for _ in range(2):
        browser = make_client()
        browser.login("village1")
        html = browser.get("/inbox").get_data(as_text=True)
        assert html.count("<tr data-task=") == 4
        shown = set(re.findall(r'name="csrf_token" value="([^"]+)"><button type="submit" class="link">', html))
        assert len(shown) == 1
        tokens.append(shown.pop())
        task_id = int(re.search(r'data-task="(\d+)"', html).group(1))
        # The token works: the row's own form gives the task back.
        answer = browser.raw.post(f"/inbox/tasks/{task_id}/unclaim", data={"csrf_token": tokens[-1]})
        assert answer.status_code == 302
        db.session.expire_all()
        assert db.session.get(InboxTask, task_id).assignee_id is None
        # Taken again for the next session's page.
        row = db.session.get(InboxTask, task_id)
        row.assignee_id = user("village1").id
        db.session.commit()
    assert tokens[0] != tokens[1]


def test_an_empty_task_list_says_so_in_both_languages(county, client):
    client.login("village1")
    assert "没有待办任务。" in client.get("/inbox").get_data(as_text=True)
    client.post("/language/en", {"next": "/inbox"})
    html = client.get("/inbox").get_data(as_text=True)
    assert "No open tasks." in html and "<tr data-task=" not in html


@pytest.mark.parametrize("page, per_page, total", [(1, 20, 0), (1, 20, 30), (2, 20, 30), (2, 10, 35), (1, 20, 12345)])
def test_the_kept_pager_is_the_pager_macro(app, page, per_page, total):
    from webapp.layout import kept_pager

    values = {"view": "mine", "process": "", "area": "", "q": TRICKY, "due": "", "sort": "due"}

    def check():
        macro = current_app.jinja_env.get_template("_macros.html").module.pager
        expected = str(macro(page, per_page, total, "inbox.tasks_list", **values))
        assert str(kept_pager(page, per_page, total, "inbox.tasks_list", **values)) == expected
        assert str(kept_pager(page, per_page, total, "inbox.tasks_list", **values)) == expected  # kept

    _each_way(app, check)


def test_the_task_list_pages_through_its_tasks_in_both_languages(county, app, client):
    for _ in range(3):
        case_at_visit("village1")
    client.login("village1")
    size, app.config["PAGE_SIZE"] = app.config["PAGE_SIZE"], 2
    try:
        first = client.get("/inbox").get_data(as_text=True)
        assert "第 1 / 2 页，共 3 条" in first and 'href="/inbox?page=2&amp;view=mine' in first and "上一页" not in first
        client.post("/language/en", data={"next": "/inbox"})
        second = client.get("/inbox?page=2").get_data(as_text=True)
        assert "Page 2 of 2, 3 in total" in second and 'href="/inbox?page=1&amp;view=mine' in second
        assert ">Next<" not in second
    finally:
        app.config["PAGE_SIZE"] = size


def test_a_pattern_fills_each_slot_as_the_template_escapes_it():
    # Braces in the markup and in the values, a slot used twice, a number, markup given as it is.
    rendered = (Markup("<p title='{x}'>") + fragments.slot("a") + Markup(" {{b}} ") + fragments.slot("b")
                + fragments.slot("a") + fragments.slot("m") + Markup("}</p>"))
    pattern = fragments.Slotted(rendered)
    filled = pattern.fill({"a": TRICKY, "b": 7, "m": "<dropped>"}, {"m": Markup("<b>{m}</b>")})
    assert filled == Markup("<p title='{x}'>" + str(escape(TRICKY)) + " {{b}} 7" + str(escape(TRICKY))
                            + "<b>{m}</b>}</p>")
    with pytest.raises(KeyError):
        pattern.fill({"a": "x", "m": "y"})


def test_the_table_head_names_its_columns_in_both_languages(county, client):
    case_at_visit("village1")
    client.login("village1")
    mine = client.get("/inbox").get_data(as_text=True)
    assert "<th>任务</th><th>案件</th><th>地区</th><th>到期</th><th>说明</th><th></th>" in mine and "pick-all" not in mine
    assert 'class="pick-all" data-pick=".pick" aria-label="全选"' in client.get("/inbox?view=team").get_data(as_text=True)
    client.post("/language/en", {"next": "/inbox"})
    english = client.get("/inbox").get_data(as_text=True)
    assert "<th>Task</th><th>Case</th><th>Area</th><th>Due</th><th>Notes</th><th></th>" in english
