"""The visit page's reads and its household table.

The household, its members and the case's last task completion are read in one statement
(services/casework/tasks.household_and_last_completion): they must be what the separate
statements read. The household table's member rows are patterns filled with each member's texts
(webapp/inbox/household_rows.py, webapp/fragments.slotted): they must give what the table's former
loop over the members (kept below as the reference) gave, byte for byte, in both languages, under
two mount points, from the patterns kept and afresh, with and without the form column.
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

# The loop _household.html had before its rows became patterns: the plain path.
REFERENCE = """{% set l_name, l_id, l_relation, l_birth, l_form = _('姓名'), _('公民身份号码'), _('与户主关系'), _('出生日期'), _('登记表') %}
  {% if filled is defined %}{% set l_done, l_not_done, l_fill, l_change = _('已填写'), _('未填写'), _('填写登记表'), _('修改') %}{% endif %}
  {% for p in people %}
    <tr><td data-label="{{ l_name }}"><strong>{{ p.name }}</strong></td><td data-label="{{ l_id }}">{{ p.id_number|masked }}</td><td data-label="{{ l_relation }}">{{ p.relation_to_head|relation_label }}</td><td data-label="{{ l_birth }}">{{ p.birth_date|localdate }}</td>
    {% if filled is defined %}{% set done = p.id_number in filled %}<td data-label="{{ l_form }}">
      {% if done %}<span class="ok">{{ l_done }}</span>{% else %}<span class="late">{{ l_not_done }}</span>{% endif %}
      {% if can_work %}<a href="{{ url_for('inbox.registration_form', task_id=row.id, person_id=p.id) }}" class="button">{{ l_fill if not done else l_change }}</a>{% endif %}
    </td>{% endif %}</tr>
  {% endfor %}
"""
Member = namedtuple("Member", "id name id_number relation_to_head birth_date")
Task = namedtuple("Task", "id")
TRICKY = "缺少<签名> & \"照片\" 's {0} {name} }{"
ODD_MEMBERS = [Member(7, TRICKY, "341721199001011234", "户主", date(1990, 1, 1)),
               Member(8, "\x1fname\x1f", "12345", None, None),  # a forged slot is only text
               Member(9, "王五", None, "其他<亲属>", datetime(2001, 5, 6, 20, 30)),
               Member(10, "赵六", "341721201001011235", "子", date(2010, 1, 1))]


def _shown(people, **context):
    """The rows as the loop above ends up in the page: each between the same whitespace."""
    rows = member_rows(people, context.get("filled"), context.get("can_work", False),
                       context["row"].id if "row" in context else None)
    return "\n  \n  " + "".join(f"\n    {row}\n  " for row in rows)


def test_member_rows_equal_the_former_loop(county, app):
    case = case_at_visit("village1")
    persons = Person.query.filter_by(household_id=case.household_id).order_by(Person.id).all()
    household, members, _last = tasks.household_and_last_completion(case.household_id, case.id)
    assert len(persons) >= 2 and [p.id for p in persons] == [m.id for m in members]
    filled = {persons[0].id_number: object(), ODD_MEMBERS[0].id_number: object()}
    kinds = set()
    for mount in ("", "/reg"):
        for locale in ("zh_Hans_CN", "en"):
            for reload in (False, False, True):
                app.jinja_env.auto_reload = reload
                try:
                    with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}), \
                            force_locale(locale):
                        login_user(user("village1"))
                        reference = current_app.jinja_env.from_string(REFERENCE)
                        for people in (persons, members, ODD_MEMBERS):
                            # The case page (no form column), the visit page workable and read-only.
                            for context in ({}, {"filled": filled, "can_work": True, "row": Task(91)},
                                            {"filled": filled, "can_work": False, "row": Task(91)},
                                            {"filled": {}, "can_work": True, "row": Task(5)}):
                                assert _shown(people, **context) == reference.render(people=people, **context)
                                kinds.update((bool(context), context.get("can_work"), p.id_number in filled)
                                             for p in people)
                finally:
                    app.jinja_env.auto_reload = False
    assert kinds >= {(True, True, True), (True, True, False), (True, False, True), (True, False, False)}


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
    household, members, last = tasks.household_and_last_completion(household_id, case_id)
    return (None if household is None else tuple(household), [tuple(m) for m in members],
            None if last is None else tuple(last))


def test_household_and_last_completion_equal_the_separate_statements(county, client):
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
    assert tasks.revisit_of(again, tasks.household_and_last_completion(case.household_id, case.id)[2]) \
        == tuple(tasks.revisit_of(again))
    assert checked[0][2] != checked[-1][2] and checked[-1][2][3] == "全家外出务工"
    assert len(checked[0][1]) >= 2 and checked[1] == (None, [], checked[0][2])
