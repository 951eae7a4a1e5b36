"""A task page shown (GET) and a registration form save read the task and its case as plain values
(webapp/services/casework/task_views.py): the same values as the ORM rows, the same area check,
relationships from the ORM row on first use, and no writes through them."""
from datetime import timedelta

import pytest

from webapp.extensions import db
from webapp.models import AuditEvent, InboxTask
from webapp.models.base import utcnow
from webapp.services import scoping
from webapp.services.casework import task_views

from .helpers import case_at_visit, open_task, user


def test_a_task_view_holds_the_rows_values_and_checks_the_area(county):
    case = case_at_visit("village1")
    row = open_task(case, "visit_household")
    row.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    orm = db.session.get(InboxTask, row.id)
    with county.test_request_context():
        view = task_views.task_view_or_404(row.id, user("village1"))
        for name in task_views.TASK_FIELDS:
            assert getattr(view, name) == getattr(orm, name), name
        for name in task_views.CASE_FIELDS:
            assert getattr(view.case, name) == getattr(orm.case, name), name
        now = utcnow()
        assert view.late_at(now) is True and view.due_soon_at(now) == orm.due_soon_at(now)
        # Outside the user's area, or missing: as get_task_or_404.
        with pytest.raises(scoping.OutOfScope):
            task_views.task_view_or_404(row.id, user("village2"))
        with pytest.raises(scoping.OutOfScope):
            task_views.task_view_or_404(row.id + 10_000, user("village1"))
        # A relationship comes from the ORM row; writing through the view is refused.
        assert view.assignee.username == "village1" and view.case.household.id == case.household_id
        with pytest.raises(AttributeError):
            view.state = "completed"
        with pytest.raises(AttributeError):
            view.case.status = "completed"
        db.session.rollback()


def test_the_task_page_of_another_village_is_not_found_and_its_own_is_audited(county, make_client):
    case = case_at_visit("village1")
    task_id = open_task(case, "visit_household").id
    db.session.commit()
    stranger = make_client()
    stranger.login("village2")
    assert stranger.get(f"/inbox/tasks/{task_id}").status_code == 404
    owner = make_client()
    owner.login("village1")
    before = AuditEvent.query.filter_by(action="view_household", object_id=str(case.id)).count()
    page = owner.get(f"/inbox/tasks/{task_id}")
    assert page.status_code == 200 and "办理人" in page.get_data(as_text=True)
    assert user("village1").display_name in page.get_data(as_text=True)
    db.session.expire_all()
    assert AuditEvent.query.filter_by(action="view_household", object_id=str(case.id)).count() == before + 1
