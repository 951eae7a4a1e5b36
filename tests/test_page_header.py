"""The shared header is a pattern kept per mount point, language, role and whether there are unread
messages, filled with each user's and request's values (webapp/layout.py page_header): it must be
what rendering templates/_page_header.html afresh with those values gives, byte for byte, and
every user sees their own name, area, count and token in it, escaped as any value is."""
from flask import request
from flask_babel import force_locale
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from tests.helpers import user
from webapp import formatting, layout
from webapp.extensions import db
from webapp.services import notifications

LANGUAGES = ("zh_Hans_CN", "en")
ROLES = ("village1", "township", "county", "agency", "supervisor", "admin", "gongan")
# Markup, quotes, braces (the patterns are format strings) and a format field in a user's text.
TRICKY = "缺少<签名> & \"照片\" 's {0} {q} }{"


def _fresh(app, user_or_none, locale, token, unread):
    """templates/_page_header.html rendered now with the request's and the user's values."""
    role = user_or_none.role if user_or_none is not None else None
    return app.jinja_env.get_template("_page_header.html").render(
        links=layout.header_links(), role=role, unread=bool(unread), unread_text=formatting.number(unread),
        locale=locale, token=token, next=request.full_path,
        q=request.args.get("q", "") if request.endpoint == "search.results" else "",
        name=user_or_none.display_name if user_or_none else "", area=user_or_none.area.name if user_or_none else "")


def test_the_kept_header_equals_its_template_rendered_afresh(county, app):
    staff = user("village1")
    staff.display_name = TRICKY
    db.session.commit()
    notifications.mark_read(staff)
    db.session.commit()
    seen = set()
    for path in ("/inbox?x=" + TRICKY, "/search/?q=" + TRICKY):
        for mount in ("", "/reg"):
            for locale in LANGUAGES:
                for reload in (False, False, True):  # from the kept pattern, again, and afresh
                    app.jinja_env.auto_reload = reload
                    try:
                        with app.test_request_context(path, environ_overrides={"SCRIPT_NAME": mount}), \
                                force_locale(locale):
                            token = generate_csrf()
                            assert str(layout.page_header(locale, token)) == _fresh(app, None, locale, token, 0)
                            for name in ROLES:
                                who = user(name)
                                login_user(who)
                                unread = notifications.unread_count(who)
                                shown = str(layout.page_header(locale, token))
                                assert shown == _fresh(app, who, locale, token, unread)
                                seen.add((name, bool(unread)))
                                logout_user()
                    finally:
                        app.jinja_env.auto_reload = False
    assert ("village1", False) in seen


def test_each_user_sees_their_own_values_in_a_shared_pattern(county, client):
    village1, village2 = user("village1"), user("village2")
    village1.display_name = TRICKY
    notifications.mark_read(village1)
    notifications.mark_read(village2)
    notifications.notify([village2.id], "reminder", message="one")
    db.session.commit()
    client.login("village1")
    html = client.get("/search/", query_string={"q": TRICKY}).get_data(as_text=True)
    header = html.split("<main>")[0]
    escaped = "缺少&lt;签名&gt; &amp; &#34;照片&#34; &#39;s {0} {q} }{"
    assert f"<span>{escaped}<span class=\"who-role\">" in header
    assert f'name="q" aria-label="查询" placeholder="姓名/身份号码后4位/户号/电话" value="{escaped}"' in header
    assert 'id="notification-count"' not in header
    client.logout()
    client.login("village2")
    header = client.get("/inbox").get_data(as_text=True).split("<main>")[0]
    assert escaped not in header and village2.display_name in header and village2.area.name in header
    assert 'id="notification-count">1</span>' in header
    assert 'value="">' in header.split('name="q"')[1][:120]  # no other request's searched text
