"""The rendering shortcuts give the same page as the slow path: remembered links, dates, numbers,
and the inbox tabs' statements built once list the same tasks as the general query.

Links are remembered per mount point (a second app mounted under another path gets its own),
and local times written with strftime equal Flask-Babel's in both interface languages.
"""
import random
import re
from datetime import datetime, timedelta, timezone

import pytz
from babel.dates import format_datetime as babel_format_datetime
from flask_babel import force_locale, format_datetime, format_decimal, get_babel, get_timezone, refresh
from markupsafe import escape

from tests.helpers import case_at_visit, task_ids_on, user
from webapp.services.casework import inbox, steps
from webapp import formatting
from webapp.models import Area


def test_task_links_are_right_under_two_mount_points(county, client):
    case_at_visit("village1")
    client.login("village1")
    plain = client.get("/inbox").get_data(as_text=True)
    task_id = task_ids_on(plain)[0]
    assert f'href="/inbox/tasks/{task_id}"' in plain
    # The same process, mounted under /reg (a proxy's SCRIPT_NAME): every link carries the prefix.
    mounted = client.raw.get("/inbox", environ_overrides={"SCRIPT_NAME": "/reg"}).get_data(as_text=True)
    assert f'href="/reg/inbox/tasks/{task_id}"' in mounted
    assert not re.search(r'href="/inbox/', mounted)
    # and the plain mount still gets its own links afterwards.
    again = client.get("/inbox").get_data(as_text=True)
    assert f'href="/inbox/tasks/{task_id}"' in again and "/reg/" not in again


def test_local_times_equal_babels_in_both_languages(app):
    moments = [datetime(2026, 1, 1) + timedelta(minutes=random.Random(7).randint(0, 600_000) + n * 7919)
               for n in range(300)] + [datetime(2026, 12, 31, 16, 30), datetime(2026, 6, 30, 15, 59)]
    with app.test_request_context("/"):
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                for pattern in ("yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "HH:mm"):
                    for moment in moments:
                        assert formatting.localdt(moment, pattern) == \
                            format_datetime(moment.replace(tzinfo=timezone.utc), pattern)
        # New Year's Eve 16:30 UTC is already the next year in Shanghai.
        assert formatting.localdt(datetime(2026, 12, 31, 16, 30)) == "2027-01-01 00:30"


def test_remembered_local_times_follow_the_zone_and_the_time(app):
    # Local texts are remembered per (zone, pattern, time): written, then read back, in a zone with
    # summer time around its changes too, and an aware time is not taken for its naive equal.
    moments = [datetime(2026, 3, 8, 6, 30) + timedelta(minutes=n * 29) for n in range(12)] + \
              [datetime(2026, 11, 1, 5, 30) + timedelta(minutes=n * 29) for n in range(12)] + [None]
    patterns = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "HH:mm": "%H:%M", "yyyy-MM-dd": "%Y-%m-%d"}
    babel_settings = get_babel(app)
    with app.test_request_context("/"):
        for name in ("Asia/Shanghai", "America/New_York", "Asia/Shanghai"):
            zone = pytz.timezone(name)
            babel_settings.default_timezone = name  # the campaign's zone, as formatting looks it up
            assert formatting.request_timezone() is zone and get_timezone() is zone  # (Flask-Babel's own: the same)
            refresh()
            for _ in range(2):
                for pattern in patterns:
                    assert formatting.localdts(moments, pattern) == [
                        "" if m is None else babel_format_datetime(m.replace(tzinfo=timezone.utc), pattern, tzinfo=zone)
                        for m in moments]
        assert formatting.localdt(datetime(2026, 1, 1, 0, 0)) == "2026-01-01 08:00"
        # The same instant, aware (08:00 at +8): written as its wall time taken for UTC, as before.
        aware = datetime(2026, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
        assert formatting.localdt(aware) == "2026-01-01 16:00"


def test_numbers_equal_babels_in_both_languages(app):
    values = [0, None, 7, 999, 1000, -1000, 12345, 1234567, 10 ** 12, -987654321, 2.5, 1234.5]
    with app.test_request_context("/"):
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                for value in values:
                    assert formatting.number(value) == format_decimal(value or 0)
                assert formatting.number(1234567) == "1,234,567"


def test_role_labels_print_as_the_lazy_labels_did_in_both_languages(app):
    with app.test_request_context("/"):
        env = app.jinja_env
        for locale in ("zh_Hans_CN", "en"):
            with force_locale(locale):
                for role in list(formatting.ROLE_LABELS) + ["gongan", "<x>"]:
                    lazy = formatting.ROLE_LABELS.get(role, role)
                    shown = env.from_string("{{ role|role_label }}").render(role=role)
                    assert shown == env.from_string("{{ label }}").render(label=lazy)
                    assert shown == str(escape(lazy)) if role == "<x>" else shown == str(lazy)
                assert formatting.role_label("village") == ("Village (community) assistant" if locale == "en" else "村(社区)协理员")


def _same_rows(plain, tasks):
    """The task list's plain rows show what the general query's InboxTasks (and their cases) hold."""
    assert [row.id for row in plain] == [task.id for task in tasks]
    for row, task in zip(plain, tasks):
        assert row.case_title == task.case.title
        for name in ("case_id", "title", "task_name", "process_id", "diagram_version_id", "village_code",
                     "township_code", "due_at", "overdue", "return_reason"):
            assert getattr(row, name) == getattr(task, name), name


def test_prebuilt_inbox_tabs_list_what_the_general_query_lists(county):
    for _ in range(3):
        case_at_visit("village1")
    for name in ("village1", "township", "county", "gongan"):  # (a data provider sees no tasks)
        staff = user(name)
        figures = inbox.counts(staff)
        for view in ("mine", "team"):
            for sort in ("due", "-due", "new", "bogus"):
                flt = inbox.InboxFilter(view=view, sort=sort)
                for page in (1, 2, 3):
                    # page_and_counts reads the page with the tab figures in one prebuilt
                    # statement; list_rows runs the general one; list_tasks is the ORM query every
                    # other caller uses. Page 3 of 2 rows a page is empty for some.
                    fast, fast_total, fast_figures = inbox.page_and_counts(staff, flt, page, 2)
                    built, built_total = inbox.list_rows(staff, flt, page, 2)
                    slow, slow_total = inbox.list_tasks(staff, flt, page, 2)
                    _same_rows(fast, slow)
                    _same_rows(built, slow)
                    assert fast_total == built_total == slow_total == figures[view]
                    assert fast_figures == figures
                    assert all(row.case_title for row in fast)
        if name in ("village1", "township"):
            assert figures["mine" if name == "village1" else "team"] >= 3


def test_filtered_task_list_rows_equal_the_general_query(county):
    for _ in range(3):
        case_at_visit("village1")
    village = user("village1")
    some = inbox.list_tasks(village, inbox.InboxFilter(), 1, 1)[0][0]
    filters = [{"process_id": some.process_id}, {"area_code": some.village_code},
               {"area_code": some.township_code}, {"text": some.case.title[:3]}, {"due": "overdue"},
               {"due": "soon"}, {"process_id": "none"}]
    shown = 0
    for name in ("village1", "township"):
        staff = user(name)
        figures = inbox.counts(staff)
        for view in ("mine", "team"):
            for sort in ("due", "-due", "new"):
                for narrowed in filters:
                    flt = inbox.InboxFilter(view=view, sort=sort, **narrowed)
                    for page in (1, 2, 3):
                        # A filter narrows the view: the tab figure is not the total.
                        rows, total, tab_figures = inbox.page_and_counts(staff, flt, page, 2)
                        slow, slow_total = inbox.list_tasks(staff, flt, page, 2)
                        _same_rows(rows, slow)
                        assert total == slow_total and tab_figures == figures
                        shown += len(rows)
    assert shown > 20  # the filters do match tasks of both users


def _area_choices_by_objects(staff):
    """The inbox's area choices as they were read before: Area objects, two queries."""
    if staff.role == "township":
        townships = Area.query.filter_by(code=staff.area.township_code)
    else:
        townships = Area.query.filter_by(level="township").filter(Area.code.like(staff.area.county_code + "%"))
    townships = townships.order_by(Area.code).all()
    villages = Area.query.filter(Area.parent_id.in_([t.id for t in townships] or [0])).order_by(Area.code).all()
    return [((t.code, t.name), [(v.code, v.name) for v in villages if v.parent_id == t.id]) for t in townships]


def test_inbox_area_choices_equal_the_area_objects(county):
    for name in ("township", "county", "supervisor", "village1"):
        staff = user(name)
        choices = inbox.area_choices(staff)
        if staff.role == "village":
            assert choices == []
            continue
        shown = [((t.code, t.name), [(v.code, v.name) for v in villages]) for t, villages in choices]
        assert shown == _area_choices_by_objects(staff)
        assert shown and all(villages for _township, villages in shown[:1])


def test_bulk_buttons_read_the_same_from_the_plain_rows(county, client):
    for _ in range(2):
        case_at_visit("village1")
    staff = user("township")
    flags = {}
    for view in ("mine", "team"):
        plain, _total, _figures = inbox.page_and_counts(staff, inbox.InboxFilter(view=view), 1, 20)
        tasks, _total = inbox.list_tasks(staff, inbox.InboxFilter(view=view), 1, 20)
        flags[view] = steps.page_flags(plain)
        assert flags[view] == steps.page_flags(tasks)
    assert flags["team"]["assign"]  # the county's distribution tasks wait in the township's lane
    client.login("township")
    html = client.get("/inbox?view=team").get_data(as_text=True)
    assert "批量分配所选户" in html
    # The bulk form's villages are the township's villages (the area choices' rows).
    township = Area.query.filter_by(code=staff.area.township_code).one()
    for village in Area.query.filter_by(parent_id=township.id):
        assert f'<option value="{village.code}">{village.name}</option>' in html
