"""Doing random registration work through the services, and counting its results afresh.

The dashboard tests compare the kept aggregates (services.campaign.progress) with these counts, read
straight from cases, timelines and inbox rows.
"""
import random

from sqlalchemy import func

from webapp import form_kinds
from webapp.extensions import db
from webapp import form_kinds
from webapp.models import Case, CaseEvent, InboxTask, Person, RegistrationForm, User
from webapp.services.casework import cases, tasks

from .helpers import registration_form_data, user


def _actor(row):
    if row.task_name == "visit_household":
        return db.session.get(User, row.case.visitor_id)
    return user("county") if row.lane == "county" else user("township")


def work_step(rng):
    """Complete one random ready task of a registration case with a random decision; False when none."""
    rows = (InboxTask.query.join(Case, InboxTask.case_id == Case.id)
            .filter(InboxTask.state == "ready", Case.kind == "registration").order_by(InboxTask.id).all())
    if not rows:
        return False
    row = rng.choice(rows)
    actor = _actor(row)
    if row.assignee_id != actor.id:
        assert cases.claim(row, actor)
    if row.task_name == "assign_household":
        visitor = rng.choice([user("village1"), user("village2")])
        tasks.assign_household(row, actor, visitor.area.code, visitor.id)
    elif row.task_name == "visit_household":
        if rng.random() < 0.2:
            cases.complete(row, actor, {"visit_result": "not_at_home", "visit_comment": "不在家"})
        else:
            _fill_forms(row.case, actor, rng)
            cases.complete(row, actor, {"visit_result": "completed", "visit_date": "2026-06-10",
                                        "policy_explained": True, "visit_comment": ""})
    else:
        key, comment = form_kinds.variables_of(row)
        decision = "return" if rng.random() < 0.3 else "approve"
        cases.complete(row, actor, {key: decision, comment: "请补充" if decision == "return" else ""})
    db.session.commit()
    return True


def _fill_forms(case, actor, rng):
    for person in Person.query.filter_by(household_id=case.household_id).all():
        if RegistrationForm.query.filter_by(case_id=case.id, id_number=person.id_number).first():
            continue
        data = registration_form_data(person, pension_scheme=rng.choice(["", "resident_pension"]))
        db.session.add(RegistrationForm(case_id=case.id, person_id=person.id, id_number=person.id_number,
                                        name=person.name, data=data, filled_by_id=actor.id))


def fresh_counts(group="village_code"):
    """{area code: {measure: n}} counted from the cases, timelines and inbox (no aggregates)."""
    area = getattr(Case, group)
    result = {}

    def add(rows, measure):
        for code, n in rows:
            result.setdefault(code or "", {})[measure] = n

    reg = Case.kind == "registration"
    add(db.session.query(area, func.count(Case.id)).filter(reg).group_by(area), "target")

    def reached(task_name, decision=None, kind="task_completed"):
        q = (db.session.query(area, func.count(func.distinct(CaseEvent.case_id)))
             .join(Case, Case.id == CaseEvent.case_id).filter(reg, CaseEvent.kind == kind))
        if task_name:
            q = q.filter(CaseEvent.task_name == task_name)
        if decision:
            q = q.filter(CaseEvent.decision == decision)
        return q.group_by(area)

    add(reached("assign_household"), "distributed")
    add(reached("visit_household", "completed"), "visited")
    add(reached("first_review", "approve"), "first_reviewed")
    add(reached("county_audit_review", "approve"), "audited")
    add(reached(None, kind="registry_applied"), "registered")
    reviews = (db.session.query(area, func.count(CaseEvent.id)).join(Case, Case.id == CaseEvent.case_id)
               .filter(reg, CaseEvent.kind == "task_completed",
                       CaseEvent.task_name.in_(("first_review", "county_audit_review"))))
    add(reviews.group_by(area), "reviews")
    add(reviews.filter(CaseEvent.decision == "return").group_by(area), "returned")
    task_area = getattr(InboxTask, group)
    add(db.session.query(task_area, func.count(InboxTask.id))
        .filter(InboxTask.state == "ready", InboxTask.overdue.is_(True)).group_by(task_area), "overdue")
    return result


def do_random_work(steps, seed):
    """``steps`` random task completions (fewer when no work is left); returns how many were done."""
    rng = random.Random(seed)
    done = 0
    for _ in range(steps):
        if not work_step(rng):
            break
        done += 1
    return done
