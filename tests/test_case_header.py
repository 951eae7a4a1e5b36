"""The task pages' case header and the visit page's own card, kept as patterns
(webapp/inbox/case_header.py, inbox/task_pages.py ``visit_section``), give what their templates give
rendered directly with the same texts: for every kind of header (the parts shown) in both
languages, texts that need escaping escaped once, and nothing of one user or page carried to
the next (the name, the CSRF token and the texts are filled per page).
"""
import itertools
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tests.helpers import case_at_visit, task_ids_on, user
from webapp.formatting import localdt, role_label, task_title
from webapp.inbox.case_header import case_header, header_kind
from webapp.inbox.task_pages import visit_section
from webapp.models.base import utcnow


def _direct(template, **context):
    return Markup(current_app.jinja_env.get_template(template).render(**context))


def test_case_header_equals_its_card_rendered_directly(county, app):
    me = user("village1")
    now = utcnow()
    with app.test_request_context("/inbox/tasks/7"):
        login_user(me)
        token = generate_csrf()
        for locale, assigned, due, late, revisit, actor, comment, returned, can_work, ready in itertools.product(
                ("zh_Hans_CN", "en"), (None, me.id), (False, True), (False, True), (False, True), (False, True),
                (False, True), (False, True), (False, True), (False, True)):
            if (late and not due) or ((actor or comment) and not revisit):
                continue
            row = SimpleNamespace(
                id=7, title="入户调查", lane="village", state="ready" if ready else "completed", assignee_id=assigned,
                due_at=(now - timedelta(days=1) if late else now + timedelta(days=3)) if due else None,
                overdue=False, return_reason='缺 <b>照片</b> & "签字"' if returned else None,
                late_at=lambda moment, late=late: late)
            case = SimpleNamespace(id=3, title="孔秀户 <户号 1>")
            last = SimpleNamespace(at=datetime(2026, 6, 1, 8, 30), actor_name="王 <五>" if actor else None,
                                   comment="不在家 & 外出" if comment else "") if revisit else None
            with force_locale(locale):
                shown = case_header(row, case, can_work, last)
                texts = {"title": task_title(row.title), "case_title": case.title, "case_url": "/cases/3",
                         "case_id": 3, "role": role_label("village"),
                         "assignee": me.display_name if assigned else "",
                         "due": localdt(row.due_at) if due else "", "revisit_at": localdt(last.at) if revisit else "",
                         "revisit_actor": last.actor_name if actor else "", "revisit_comment": last.comment if comment else "",
                         "return_reason": row.return_reason or "", "claim_url": "/inbox/tasks/7/claim", "token": token}
                kind = header_kind(row, can_work, last, me)  # the flags are case_header.py's, written once
                assert shown == _direct("inbox/_case_header_card.html", h=texts, k=kind), (locale, kind)
                assert "\x1f" not in shown


def test_visit_section_equals_its_card_rendered_directly(county, app):
    with app.test_request_context("/inbox/tasks/7"):
        login_user(user("village1"))
        token = generate_csrf()
        fields = Markup('<input name="visit_date" value="2026-06-01">')
        for locale in ("zh_Hans_CN", "en"):
            for missing in ([], [SimpleNamespace(name="孔秀"), SimpleNamespace(name="郑 <洋> & 华")]):
                with force_locale(locale):
                    names = Markup("、").join(person.name for person in missing)
                    expected = _direct("inbox/_visit_section.html", missing=bool(missing), s={
                        "form_url": "/inbox/tasks/7/forms/new", "missing": names, "token": token, "fields": fields})
                    assert visit_section(7, missing, fields) == expected


def test_task_page_header_per_user_and_language(county, client, make_client):
    case = case_at_visit("village1")
    client.login("village1")
    task_id = task_ids_on(client.get("/inbox").get_data(as_text=True))[0]
    page = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert user("village1").display_name in page and "visit-form" in page
    assert f'<a href="/cases/{case.id}">#{case.id}</a>' in page
    # The township sees the visit only to view (another lane's task), its own name nowhere in the header.
    township = make_client()
    township.login("township")
    viewed = township.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert "此任务由他人办理，您只能查看。" in viewed and "visit-form" not in viewed
    assert user("village1").display_name in viewed
    # The same kind of header in English after the Chinese one: its own pattern.
    client.post("/language/en", data={"next": "/inbox"})
    english = client.get(f"/inbox/tasks/{task_id}").get_data(as_text=True)
    assert "Door-to-door visit" in english and "入户调查" not in english.split("<main>")[1].split("</h1>")[0]
