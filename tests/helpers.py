"""Small helpers the tests share: reading ids out of pages, walking a case."""
import re

from sqlalchemy import event

from webapp.extensions import db
from webapp.models import Case, InboxTask, User


def open_task(case, task_name):
    """The case's ready inbox row for ``task_name`` (None when there is none)."""
    db.session.expire_all()
    return InboxTask.query.filter_by(case_id=case.id, task_name=task_name, state="ready").one_or_none()


def user(username):
    """A user by name."""
    return User.query.filter_by(username=username).one()


def complete_as(case, task_name, username, data):
    """Complete the case's open ``task_name`` as ``username`` (claiming a team task first), committed."""
    from webapp.services.casework import cases

    row = open_task(case, task_name)
    assert row is not None, f"no open {task_name}"
    actor = user(username)
    if row.assignee_id is None:
        assert cases.claim(row, actor)
    cases.complete(row, actor, data)
    db.session.commit()


def task_ids_on(html):
    """Inbox row ids listed on an inbox page."""
    return [int(i) for i in re.findall(r'data-task="(\d+)"', html)]


def registration_form_data(person, **overrides):
    """A complete, valid registration form for ``person``: uninsured, willing, policy explained."""
    data = {"name": person.name, "id_number": person.id_number, "sex": person.sex or "M",
            "ethnicity": "汉族", "relation_to_head": person.relation_to_head or "户主",
            "household_type": "agricultural", "status": "normal", "pension_scheme": "",
            "pension_where": "", "medical_scheme": "resident_medical", "medical_where": "local",
            "uninsured_reason": "hardship", "willing_to_enroll": "yes",
            "willing_scheme": "resident_pension", "outcome_code": "unwilling", "policy_explained": "y",
            "signature": "signed"}
    data.update(overrides)
    if "sex" not in overrides and len(data["id_number"]) == 18 and data["id_number"][16].isdigit():
        data["sex"] = "M" if int(data["id_number"][16]) % 2 else "F"  # what the ID says
    return data


def case_in_village(village_code=None):
    """A registration case still at distribution (optionally one whose household is in a village)."""
    query = Case.query.filter_by(kind="registration")
    if village_code is not None:
        query = query.filter(Case.village_code == village_code)
    for case in query.order_by(Case.id):
        row = open_task(case, "assign_household")
        if row is not None:
            return case
    raise AssertionError("no case at distribution")


def case_at_visit(visitor="village1"):
    """A case distributed by the township (through the services) to ``visitor``'s village."""
    from webapp.services.casework import cases, tasks

    case = case_in_village()
    row = open_task(case, "assign_household")
    township, assignee = user("township"), user(visitor)
    assert cases.claim(row, township)
    tasks.assign_household(row, township, assignee.area.code, assignee.id)
    db.session.commit()
    return case


class QueryCounter:
    """Counts the SQL statements sent while it is active."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        self.count = 0
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def waits_on_a_lock(url, thread, query_like="%"):
    """True once a PostgreSQL backend of ``url``'s database waits on a lock in a statement like
    ``query_like``; False if ``thread`` (the one expected to wait) ends first, or after a while."""
    from sqlalchemy import create_engine, text

    probe = create_engine(url)
    try:
        for _ in range(2000):
            with probe.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                     "AND datname = current_database() AND query LIKE :like"),
                                {"like": query_like}).scalar():
                    return True
            if not thread.is_alive():
                return False
        return False
    finally:
        probe.dispose()
