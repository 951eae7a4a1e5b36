"""Periodic village survey schedules (定期调查): set per village, listed with the surveys they opened."""
from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from . import bp
from .forms import SurveyScheduleForm
from .routes import villages_of_user
from ..attempts import attempt
from ..auth.decorators import roles_required
from ..models import SurveySchedule, VillageSurvey
from ..services import audit, scoping
from ..services.casework import surveys

SCHEDULE_ROLES = ("township", "county", "agency")


@bp.route("/surveys", methods=["GET", "POST"])
@roles_required(*SCHEDULE_ROLES, "supervisor")
def survey_schedules():
    """The villages' survey schedules and recent surveys of the user's area; staff set a schedule."""
    form = SurveyScheduleForm()
    villages = villages_of_user()
    form.village_code.choices = [(v.code, v.name) for v in villages]
    if current_user.role in SCHEDULE_ROLES and form.validate_on_submit():
        village = next(v for v in villages if v.code == form.village_code.data)
        with attempt(surveys.SurveyRefused, done=_("调查计划已保存。")) as saved:
            surveys.set_schedule(village, form.every_days.data, form.next_due.data, current_user)
            audit.record(current_user, "survey_schedule", "area", village.code,
                         detail=f"every {form.every_days.data} days from {form.next_due.data}")
        if saved:
            return redirect(url_for("changes.survey_schedules"))
    schedules = scoping.scoped(SurveySchedule, current_user).order_by(SurveySchedule.village_code).all() \
        if current_user.role != "supervisor" else \
        SurveySchedule.query.filter_by(county_code=scoping.user_county(current_user)).all()
    recent = (VillageSurvey.query.filter(scoping.scope_condition(VillageSurvey, current_user))
              .order_by(VillageSurvey.id.desc()).limit(50).all())
    return render_template("changes/surveys.html", form=form, schedules=schedules, recent=recent,
                           can_set=current_user.role in SCHEDULE_ROLES)
