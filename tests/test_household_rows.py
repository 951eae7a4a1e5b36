"""The visit page's reads and the household block of case and task pages.

The household, its members and the case's last task completion are read in one statement
(services/casework/tasks.household_forms_and_last_completion): they must be what the separate
statements read. The household block's card and rows are patterns filled with the household's
and each person's texts (webapp/inbox/household_rows.py, webapp/fragments.slotted): the block must
give what the former template (kept below as the reference) gave, byte for byte, in both
languages, under two mount points, from the patterns kept and afresh, with and without the form
column, the household page's link and people added during the visit.
"""
from collections import namedtuple
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_login import login_user

from tests.helpers import case_at_visit, open_task, user
from webapp.extensions import db
from webapp.inbox.household_rows import member_rows
from webapp.models import CaseEvent, Household, Person
from webapp.services.casework import tasks

# The household block as it was before its card and rows became patterns: the plain path.
REFERENCE = """{# The household block of case and task pages: ``household_rows`` (household, members) as rows when
   the page read them (the visit page), else the case's household and its persons. #}
{% set hh = household_rows[0] if household_rows is defined else case.household %}
{% if hh %}
{% set people = household_rows[1] if household_rows is defined else hh.persons %}
{% set added = added_forms if added_forms is defined else added_persons(case) %}
{# Column names translated once, not once per row. #}
{% set l_name, l_id, l_relation, l_birth, l_form = _('姓名'), _('公民身份号码'), _('与户主关系'), _('出生日期'), _('登记表') %}
<section class="card">
  {% set household_url = household_page_url(hh) %}
  <h2>{{ _('户信息') }}{% if household_url %} <a class="export" href="{{ household_url }}" id="household-page-link">{{ _('查看户页面') }}</a>{% endif %}</h2>
  <p>{{ _('户号：') }}{{ hh.household_number }} · {{ _('户主：') }}{{ hh.head_name }} · {{ _('地址：') }}{{ hh.address }}</p>
  <table class="list cards" id="household-table"><thead><tr><th>{{ l_name }}</th><th>{{ l_id }}</th><th>{{ l_relation }}</th><th>{{ l_birth }}</th>{% if filled is defined %}<th>{{ l_form }}</th>{% endif %}</tr></thead>
  <tbody>
  {% if filled is defined %}{% set l_done, l_not_done, l_fill, l_change = _('已填写'), _('未填写'), _('填写登记表'), _('修改') %}{% endif %}
  {% for p in people %}
    <tr><td data-label="{{ l_name }}"><strong>{{ p.name }}</strong></td><td data-label="{{ l_id }}">{{ p.id_number|masked }}</td><td data-label="{{ l_relation }}">{{ p.relation_to_head|relation_label }}</td><td data-label="{{ l_birth }}">{{ p.birth_date|localdate }}</td>
    {% if filled is defined %}{% set done = p.id_number in filled %}<td data-label="{{ l_form }}">
      {% if done %}<span class="ok">{{ l_done }}</span>{% else %}<span class="late">{{ l_not_done }}</span>{% endif %}
      {% if can_work %}<a href="{{ url_for('inbox.registration_form', task_id=row.id, person_id=p.id) }}" class="button">{{ l_fill if not done else l_change }}</a>{% endif %}
    </td>{% endif %}</tr>
  {% endfor %}
  {% for f in added %}
    <tr class="added" data-form="{{ f.id }}"><td data-label="{{ l_name }}"><strong>{{ f.name }}</strong> <span class="badge">{{ _('新增') }}</span></td><td data-label="{{ l_id }}">{{ f.id_number|masked }}</td>
    <td data-label="{{ l_relation }}">{{ f.data.relation_to_head|relation_label }}</td><td data-label="{{ l_birth }}">{{ f.data.birth_date or '' }}</td>
    {% if filled is defined %}<td data-label="{{ l_form }}"><span class="ok">{{ l_done }}</span>
      {% if can_work %}<a href="{{ url_for('inbox.registration_form', task_id=row.id, form_id=f.id) }}" class="button">{{ l_change }}</a>{% endif %}</td>{% endif %}</tr>
  {% endfor %}
  </tbody></table>
  {% if added %}<p class="muted">{{ _('标“新增”的人员在县级审核通过后写入登记库。') }}</p>{% endif %}
</section>
{% endif %}
"""
Member = namedtuple("Member", "id name id_number relation_to_head birth_date")
HouseholdRow = namedtuple("HouseholdRow", "id household_number head_name address county_code township_code village_code")
Form = namedtuple("Form", "id name id_number data person_id")
Task = namedtuple("Task", "id")
TRICKY = "缺少<签名> & \"照片\" 's {0} {name} }{"
ODD_HOUSEHOLD = HouseholdRow(3, TRICKY, "\x1fhead_name\x1f", None, "341721", "341721100000", "341721100001")
ODD_MEMBERS = [Member(7, TRICKY, "341721199001011234", "户主", date(1990, 1, 1)),
               Member(8, "\x1fname\x1f", "12345", None, None),  # a forged slot is only text
               Member(9, "王五", None, "其他<亲属>", datetime(2001, 5, 6, 20, 30)),
               Member(10, "赵六", "341721201001011235", "子", date(2010, 1, 1))]
ADDED = [Form(31, TRICKY, "341721202001011236", {"relation_to_head": "孙子女", "birth_date": "2020-01-01"}, None),
         Form(32, "{added_rows}", "", {}, None), Form(33, "钱七", "34172120", None, None),
         Form(34, "孙八", "341721202101011237", {"relation_to_head": "<b>", "birth_date": 20210101}, None)]


def test_household_block_equals_the_former_template(county, app):
    case = case_at_visit("village1")
    persons = Person.query.filter_by(household_id=case.household_id).order_by(Person.id).all()
    household, members, _last, _filled = tasks.household_forms_and_last_completion(case.household_id, case.id)
    assert len(persons) >= 2 and [p.id for p in persons] == [m.id for m in members]
    filled = {persons[0].id_number: object(), ODD_MEMBERS[0].id_number: object()}
    # The case page (the case's household and persons, no form column) and the visit page (rows
    # read, the form column, workable or not, people added or none), for a user in the household's
    # area (the household page linked) and one outside it.
    contexts = [{"case": case}]
    for rows in ((household, members), (household, persons), (ODD_HOUSEHOLD, ODD_MEMBERS)):
        for added in ([], ADDED):
            for can_work in (True, False):
                contexts.append({"case": case, "household_rows": rows, "added_forms": added, "filled": filled,
                                 "can_work": can_work, "row": Task(91)})
    contexts.append({"case": case, "household_rows": (household, members), "added_forms": ADDED, "filled": {},
                     "row": Task(5)})
    contexts.append({"case": case, "household_rows": (None, [])})
    compared, kinds = 0, set()
    for mount in ("", "/reg"):
        for locale in ("zh_Hans_CN", "en"):
            for name in ("village1", "village2"):
                for reload in (False, False, True):
                    app.jinja_env.auto_reload = reload
                    try:
                        with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}), \
                                force_locale(locale):
                            login_user(user(name))
                            reference = current_app.jinja_env.from_string(REFERENCE)
                            block = current_app.jinja_env.get_template("inbox/_household.html")
                            for context in contexts:
                                context = dict(context, added_persons=tasks.added_persons)
                                shown = block.render(context)
                                assert shown == reference.render(context)
                                compared += 1
                                kinds.update(part for part in ('id="household-page-link"', 'class="added"',
                                                               "/forms/", 'class="late"', 'class="ok"')
                                             if part in shown)
                                kinds.add("card" if "<section" in shown else "none")
                    finally:
                        app.jinja_env.auto_reload = False
    assert compared == 2 * 2 * 2 * 3 * len(contexts)
    assert kinds == {'id="household-page-link"', 'class="added"', "/forms/", 'class="late"', 'class="ok"', "card",
                     "none"}


def test_member_rows_show_each_members_texts(county, app):
    with app.test_request_context("/inbox"), force_locale("en"):
        login_user(user("village1"))
        rows = member_rows(ODD_MEMBERS, {ODD_MEMBERS[0].id_number: 1}, True, 91)
    assert "缺少&lt;签名&gt; &amp; &#34;照片&#34; &#39;s {0} {name} }{" in rows[0] and "Filled in" in rows[0]
    assert "/inbox/tasks/91/forms/8" in rows[1] and "\x1fname\x1f" in rows[1]
    assert [row.count("<tr>") for row in rows] == [1, 1, 1, 1]


def _separately(case_id, household_id):
    """What the visit page read before: the household and its members, then the last completion."""
    event = (CaseEvent.query.filter_by(case_id=case_id, kind="task_completed")
             .order_by(CaseEvent.at.desc(), CaseEvent.id.desc()).first())
    last = None if event is None else (event.at, event.task_name, event.decision, event.comment,
                                       event.actor.display_name if event.actor else None)
    household = db.session.get(Household, household_id) if household_id is not None else None
    if household is None:
        return None, [], None if last is None else tuple(last)
    members = Person.query.filter_by(household_id=household_id).order_by(Person.id).all()
    return ((household.id, household.household_number, household.head_name, household.address, household.county_code,
             household.township_code, household.village_code),
            [(p.id, p.name, p.id_number, p.relation_to_head, p.birth_date) for p in members],
            None if last is None else tuple(last))


def _together(case_id, household_id):
    household, members, last, filled = tasks.household_forms_and_last_completion(household_id, case_id)
    assert {key: tuple(form) for key, form in filled.items()} == {
        key: tuple(form) for key, form in tasks.filled_forms(case_id).items()}
    return (None if household is None else tuple(household), [tuple(m) for m in members],
            None if last is None else tuple(last))


def test_household_forms_and_last_completion_equal_the_separate_statements(county, client):
    case = case_at_visit("village1")
    checked = []

    def check(household_id=case.household_id):
        together = _together(case.id, household_id)
        assert together == _separately(case.id, household_id)
        checked.append(together)

    check()  # the distribution's completion
    check(None)  # no household: the completion alone
    check(10 ** 9)  # a household that is not there
    row = open_task(case, "visit_household")
    client.login("village1")
    page = f"/inbox/tasks/{row.id}"
    assert client.post(page, {"visit_result": "not_at_home", "visit_date": "2026-11-28",
                              "visit_comment": "全家外出务工"}, token_from=page).status_code == 302
    check()  # the visit that found nobody home, with its note and its visitor
    again = open_task(case, "visit_household")
    assert tasks.revisit_of(again, tasks.household_forms_and_last_completion(case.household_id, case.id)[2]) \
        == tuple(tasks.revisit_of(again))
    assert checked[0][2] != checked[-1][2] and checked[-1][2][3] == "全家外出务工"
    assert len(checked[0][1]) >= 2 and checked[1] == (None, [], checked[0][2])


def test_forms_read_with_the_audit_event_equal_the_read_and_the_event_apart(county, client):
    """The visit page writes its audit event with its reads (one statement on PostgreSQL):
    the same forms as their read alone, and the same event as ``audit.write``, once."""
    from webapp.models import AuditEvent
    from tests.helpers import registration_form_data

    case = case_at_visit("village1")
    row = open_task(case, "visit_household")
    client.login("village1")
    person = Person.query.filter_by(household_id=case.household_id).first()
    form_page = f"/inbox/tasks/{row.id}/forms/{person.id}"
    assert client.post(form_page, registration_form_data(person, name="张三丰𠮷"),
                       token_from=f"/inbox/tasks/{row.id}").status_code == 302
    visitor = user("village1")
    with current_app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        before = AuditEvent.query.count()
        plain = tasks.filled_forms(case.id)
        together = tasks.household_forms_and_last_completion(case.household_id, case.id,
                                                             audited=(visitor, "view_household", "case", case.id))[3]
        assert {key: tuple(form) for key, form in together.items()} == {key: tuple(form) for key, form in plain.items()}
        assert together[person.id_number].name == "张三丰𠮷" and together[person.id_number].data["signature"] == "signed"
        events = AuditEvent.query.order_by(AuditEvent.id).all()[before:]
        assert [(e.user_id, e.action, e.object_type, e.object_id, e.remote_addr) for e in events] == [
            (visitor.id, "view_household", "case", str(case.id), "10.1.2.3")]
        db.session.rollback()


def test_task_and_person_read_together_equal_the_task_and_the_person_apart(county, client):
    """The registration form's save reads the task (with its case) and the person in one statement:
    the task and case as plain values (a TaskView) equal to what ``get_task_or_404`` loads, the
    person's columns as the ORM has them, None for a person not there, and the same refusal outside
    the user's area."""
    import pytest
    from webapp.services import scoping
    from webapp.services.casework.task_views import CASE_FIELDS, TASK_FIELDS, TaskView

    case = case_at_visit("village1")
    row = open_task(case, "visit_household")
    person = Person.query.filter_by(household_id=case.household_id).order_by(Person.id).first()
    expected = (person.id, person.household_id, person.id_number, person.name, person.sex, person.birth_date,
                person.relation_to_head, person.hukou_address)
    db.session.expunge_all()  # the task and case built from the statement, not found in the session
    visitor, elsewhere = user("village1"), user("village2")
    task, found = tasks.task_and_person_for_form(row.id, person.id, visitor)
    alone = scoping.get_task_or_404(row.id, visitor)
    assert isinstance(task, TaskView) and all(getattr(task, name) == getattr(alone, name) for name in TASK_FIELDS)
    assert all(getattr(task.case, name) == getattr(alone.case, name) for name in CASE_FIELDS)
    assert (task.case.id, task.case.household_id, task.state, task.assignee_id) == (
        case.id, case.household_id, "ready", visitor.id)
    assert tuple(found) == expected and found.household_id == case.household_id
    without, nobody = tasks.task_and_person_for_form(row.id, 10 ** 9, visitor)
    assert (without.id, without.case.id, nobody) == (alone.id, alone.case.id, None)
    for who, task_id in ((elsewhere, row.id), (visitor, 10 ** 9)):
        with pytest.raises(scoping.OutOfScope):
            scoping.get_task_or_404(task_id, who)
        with pytest.raises(scoping.OutOfScope):
            tasks.task_and_person_for_form(task_id, person.id, who)
