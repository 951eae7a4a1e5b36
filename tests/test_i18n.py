"""The interface in Simplified Chinese (no catalog needed) and in English (the shipped catalog)."""
import os
import re
from html.parser import HTMLParser

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from webapp.models import Area, Case, Household, Person, User

from .helpers import case_at_visit, open_task

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG_DIR = os.path.join(ROOT, "webapp", "translations", "en", "LC_MESSAGES")
PO_PATH = os.path.join(CATALOG_DIR, "messages.po")
MO_PATH = os.path.join(CATALOG_DIR, "messages.mo")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _read_po():
    with open(PO_PATH, "rb") as handle:
        return read_po(handle)


class _TextNodes(HTMLParser):
    """The visible text of a page, one string per text node (scripts and styles left out)."""

    def __init__(self):
        super().__init__()
        self.nodes, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def text_nodes(html):
    parser = _TextNodes()
    parser.feed(html)
    return parser.nodes


def data_strings():
    """Texts that are data, not interface: names of people, places and users, case titles."""
    strings = {"简体中文"}  # the language switch names each language in that language
    for model, columns in ((Person, ("name", "hukou_address")), (Household, ("head_name", "address")),
                           (Case, ("title",)), (User, ("display_name",)), (Area, ("name",))):
        for row in model.query.all():
            strings.update(getattr(row, column) for column in columns if getattr(row, column))
    return sorted(strings, key=len, reverse=True)


def untranslated_in(html, data):
    """Chinese left on an English page once the data (names, addresses, titles) is removed."""
    left = []
    for node in text_nodes(html):
        for value in data:
            node = node.replace(value, " ")
        left.extend(CJK.findall(node))
    return left


@pytest.fixture
def visit_case(county):
    """A case whose door-to-door visit is assigned to village1."""
    return case_at_visit()


def test_chinese_by_default_and_english_on_request(visit_case, client):
    visit = open_task(visit_case, "visit_household")
    client.login("village1")
    html = client.get("/inbox").get_data(as_text=True)
    assert "我的任务" in html and "My tasks" not in html
    assert '<html lang="zh-CN">' in html

    response = client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    html = client.get("/inbox").get_data(as_text=True)
    assert "My tasks" in html and "我的任务" not in html
    assert '<html lang="en">' in html
    assert f'data-task="{visit.id}"' in html and "Door-to-door visit" in html

    # And back to Chinese.
    client.post("/language/zh_Hans_CN", {"next": "/inbox"}, token_from="/inbox")
    assert "我的任务" in client.get("/inbox").get_data(as_text=True)


def test_an_unknown_language_is_ignored(county, client):
    client.login("village1")
    client.post("/language/xx", {"next": "/inbox"}, token_from="/inbox")
    assert "我的任务" in client.get("/inbox").get_data(as_text=True)


def test_english_pages_leave_no_interface_text_in_chinese(visit_case, client):
    """The main pages in English show Chinese only in data (names, addresses, case titles)."""
    visit = open_task(visit_case, "visit_household")
    person = visit_case.household.persons[0]
    client.login("village1")
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    data = data_strings()
    msgids = {message.id for message in _read_po() if message.id}
    pages = ["/inbox", "/inbox?view=team", f"/inbox/tasks/{visit.id}", f"/cases/{visit_case.id}",
             f"/inbox/tasks/{visit.id}/forms/{person.id}", f"/inbox/tasks/{visit.id}/forms/new",
             "/cases/", "/registry/persons", f"/registry/persons/{person.id}"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert untranslated_in(html, data) == [], url
        # (A user may be named like a role, e.g. the demo admin 系统管理员: that is data.)
        shown = [node for node in text_nodes(html) if node.strip(" ：:·") in msgids and node not in data]
        assert shown == [], f"untranslated msgids on {url}: {shown}"

    # A township reviewer's page too (the review form and its radio labels).
    client.logout()
    client.login("township")
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    for url in ("/inbox", "/inbox?view=team", f"/cases/{visit_case.id}"):
        html = client.get(url).get_data(as_text=True)
        assert untranslated_in(html, data) == [], url


def test_every_msgid_has_an_english_translation():
    catalog = _read_po()
    missing = [message.id for message in catalog if message.id and not message.string]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert missing == [], f"untranslated: {missing}"
    assert fuzzy == [], f"fuzzy (check and clear the flag): {fuzzy}"
    for message in catalog:
        if not message.id:
            continue
        placeholders = sorted(re.findall(r"%\(\w+\)s", message.id))
        assert sorted(re.findall(r"%\(\w+\)s", message.string)) == placeholders, message.id
        assert not CJK.search(message.string), message.id


def test_compiled_catalog_matches_the_po(tmp_path):
    """messages.mo is what compiling messages.po gives (run scripts/update_translations.sh)."""
    fresh = tmp_path / "messages.mo"
    with open(fresh, "wb") as handle:
        write_mo(handle, _read_po())

    def messages(path):
        with open(path, "rb") as handle:
            catalog = read_mo(handle)
        return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)):
                m.string if isinstance(m.string, str) else tuple(m.string) for m in catalog if m.id}

    assert os.path.exists(MO_PATH), "messages.mo missing: run scripts/update_translations.sh"
    assert messages(MO_PATH) == messages(fresh), "messages.mo is stale: run scripts/update_translations.sh"


def test_babel_finds_the_shipped_catalog(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context():
        with force_locale("en"):
            assert gettext("我的任务") == "My tasks"
        assert gettext("我的任务") == "我的任务"


def test_the_kept_locale_is_flask_babels_in_and_out_of_a_request(app):
    # webapp/translation_cache.current_locale reads what Flask-Babel settled for the request (and
    # what force_locale sets), its name kept with the locale object.
    from flask_babel import force_locale, get_locale

    from webapp.translation_cache import current_locale, current_locale_name

    assert current_locale() is get_locale()  # the test's application context, outside a request
    with app.test_request_context("/"):
        first = current_locale()
        assert first is get_locale() and current_locale_name() == str(first) == "zh_Hans_CN"
        with force_locale("en"):
            assert current_locale() is get_locale() and current_locale_name() == "en"
        assert current_locale() is first and current_locale_name() == "zh_Hans_CN"


def test_one_case_is_named_in_the_singular_in_english(visit_case, client):
    """The menu's 案件 is "Cases" (the list); one case, in a header or a column, is "Case"."""
    visit = open_task(visit_case, "visit_household")
    client.login("village1")
    client.post("/language/en", {"next": "/inbox"}, token_from="/inbox")
    task_page = client.get(f"/inbox/tasks/{visit.id}").get_data(as_text=True)
    assert re.search(rf'Case <a href="[^"]*/cases/{visit_case.id}">#{visit_case.id}</a>', task_page), task_page
    assert re.search(r'id="nav-cases">Cases</a>', task_page)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "<th>Case</th>" in inbox and "<th>Cases</th>" not in inbox
    client.post("/language/zh_Hans_CN", {"next": "/inbox"}, token_from="/inbox")
    assert re.search(rf'案件 <a href="[^"]*/cases/{visit_case.id}">#{visit_case.id}</a>',
                     client.get(f"/inbox/tasks/{visit.id}").get_data(as_text=True))


def test_templates_translate_as_jinjas_own_gettext_and_pgettext(app):
    # webapp/translation_cache.py: _() and pgettext() translated once per catalogue give what
    # Jinja's new-style callables give (escaping, "%%", the ``context`` variable), in both languages;
    # the catalogue is Flask-Babel's for the request's language.
    from flask import render_template_string, session
    from flask_babel import get_translations, refresh
    from jinja2.ext import _make_new_gettext, _make_new_pgettext

    from webapp.translation_cache import current_translations

    source = ("{{ _('案件') }}|{{ pgettext('one case', '案件') }}|{{ pgettext('one case', '案件') }}|"
              "{{ pgettext('x', 'a %(n)s <b>', n='<i>') }}|{{ pgettext('x', '100%%') }}|{{ pgettext('x', '%(context)s') }}|"
              "{{ _('100%%') }}|{{ _('a %(n)s', n='<i>') }}")
    for locale in ("zh_Hans_CN", "en", "zh_Hans_CN"):
        with app.test_request_context("/"):
            session["locale"] = locale
            refresh()  # (the test's requests share its application context: Flask-Babel's choice on its g)
            translations = get_translations()
            assert current_translations() is translations
            jinjas = {"_": _make_new_gettext(translations.ugettext),
                      "pgettext": _make_new_pgettext(translations.upgettext)}
            assert render_template_string(source) == render_template_string(source, **jinjas)
    with app.test_request_context("/"):
        session["locale"] = "en"
        refresh()
        assert render_template_string("{{ pgettext('one case', '案件') }}") == "Case"


def test_a_blueprints_page_runs_each_context_processor_once(app):
    # webapp/template_env.py: Flask's default processor, brought along by every blueprint, runs once.
    shared = app.template_context_processors[None]
    for name, processors in app.template_context_processors.items():
        if name is not None:
            assert not set(processors) & set(shared), name
