"""Periodic village surveys (定期调查): schedules, opening due surveys, household by household.

Each village may have a schedule (every N days from a first due date). A periodic job opens the
surveys that are due: one ``village_survey`` case per village and due date (unique, so a job run
twice opens nothing new), listing the village's households. The village assistant confirms each
household unchanged or raises its changes (services.casework.changes, origin ``village``); the survey task
completes only when no household is left. Its deadline timer escalates like any other task.
"""
from datetime import timedelta

from flask_babel import gettext as _

from ...extensions import db
from ...models import Area, Household, SurveyHousehold, SurveySchedule, VillageSurvey
from ...models.base import utcnow
from . import cases

SURVEY_PROCESS = "village_survey"


class SurveyRefused(Exception):
    """The survey step cannot be done; the message says why in the user's language."""


def set_schedule(village, every_days, next_due, actor):
    """Create or change ``village``'s survey schedule."""
    if not 7 <= every_days <= 366:
        raise SurveyRefused(_("调查周期应在 7 至 366 天之间。"))
    schedule = SurveySchedule.query.filter_by(village_code=village.code).one_or_none()
    if schedule is None:
        schedule = SurveySchedule(village_code=village.code, county_code=village.county_code,
                                  township_code=village.township_code)
        db.session.add(schedule)
    schedule.every_days, schedule.next_due, schedule.active = every_days, next_due, True
    schedule.updated_by_id, schedule.updated_at = getattr(actor, "id", None), utcnow()
    return schedule


def open_due_surveys(today, actor=None, limit=100):
    """Open the surveys due by ``today`` (at most ``limit``); returns how many were opened."""
    opened = 0
    due = (SurveySchedule.query.filter(SurveySchedule.active.is_(True), SurveySchedule.next_due <= today)
           .order_by(SurveySchedule.next_due, SurveySchedule.id).limit(limit).all())
    for schedule in due:
        if VillageSurvey.query.filter_by(village_code=schedule.village_code, due_date=schedule.next_due).first() is None:
            _open(schedule, actor)
            opened += 1
        while schedule.next_due <= today:  # a village missed for several periods gets one survey, not many
            schedule.next_due += timedelta(days=schedule.every_days)
    return opened


def _open(schedule, actor):
    village = Area.query.filter_by(code=schedule.village_code).one()
    survey = VillageSurvey(village_code=village.code, due_date=schedule.next_due, status="open",
                           county_code=village.county_code, township_code=village.township_code, opened_at=utcnow())
    db.session.add(survey)
    db.session.flush()
    households = Household.query.filter_by(village_code=village.code).order_by(Household.id).all()
    db.session.add_all(SurveyHousehold(survey_id=survey.id, household_id=h.id, outcome="pending") for h in households)
    # The title is data seen by every user, kept in Chinese like the other cases' titles.
    case = cases.start_case("survey", SURVEY_PROCESS, f"{village.name} 定期调查（{schedule.next_due.isoformat()}）",
                            village, actor=actor, payload={"survey_id": survey.id})
    db.session.flush()
    survey.case_id = case.id
    return survey


def survey_of_case(case):
    """The survey a ``village_survey`` case is about."""
    return VillageSurvey.query.filter_by(case_id=case.id).one_or_none()


def households_of(survey):
    """The survey's household rows, in household order."""
    return (SurveyHousehold.query.filter_by(survey_id=survey.id).join(Household)
            .order_by(Household.household_number).all())


def mark(survey, household_id, outcome, actor):
    """Mark one household confirmed or with changes raised (idempotent: the same mark twice is one)."""
    if survey.status != "open":
        raise SurveyRefused(_("该调查已完成。"))
    row = SurveyHousehold.query.filter_by(survey_id=survey.id, household_id=household_id).one_or_none()
    if row is None:
        raise SurveyRefused(_("该户不在本次调查名单中。"))
    if row.outcome == "changes_raised" and outcome == "confirmed":
        return row  # a household with changes raised stays so
    row.outcome, row.done_by_id, row.done_at = outcome, getattr(actor, "id", None), utcnow()
    return row


def check_complete(survey):
    """Raise SurveyRefused while some household is still pending."""
    pending = SurveyHousehold.query.filter_by(survey_id=survey.id, outcome="pending").count()
    if pending:
        raise SurveyRefused(_("还有 %(n)s 户未调查，请逐户确认或申报变更后再提交。", n=pending))


def finish(survey):
    """The survey task was completed: the survey is closed."""
    survey.status, survey.completed_at = "completed", utcnow()


def open_survey_for_household(household, user):
    """The open survey of ``household``'s village the user works on (None when there is none)."""
    return (VillageSurvey.query.join(SurveyHousehold, SurveyHousehold.survey_id == VillageSurvey.id)
            .filter(SurveyHousehold.household_id == household.id, VillageSurvey.status == "open")
            .order_by(VillageSurvey.id.desc()).first())
