"""Forms of the supervision console. Choices are filled per request from the staff in scope."""
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..formatting import ROLE_LABELS


class ReassignForm(FlaskForm):
    """Give the selected tasks (``task_ids`` in the form) to another person."""

    to_user_id = SelectField(_l("改派给"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("改派理由"), validators=[DataRequired(), Length(max=500)])


class AbsentForm(FlaskForm):
    """Move every open task of an absent person to a colleague."""

    person_id = SelectField(_l("请假/缺勤人员"), coerce=int, validators=[InputRequired()])
    to_user_id = SelectField(_l("接手人员"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("理由"), validators=[DataRequired(), Length(max=500)])


class DueDateForm(FlaskForm):
    """A new deadline (local time) and why."""

    new_due = DateTimeLocalField(_l("新的办理期限"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    reason = TextAreaField(_l("调整理由"), validators=[DataRequired(), Length(max=500)])


def person_choices(people):
    """(id, label) pairs: name, role and area, so equal names stay distinguishable."""
    return [(p.id, f"{p.display_name}（{ROLE_LABELS.get(p.role, p.role)} · {p.area.name}）") for p in people]


def loaded_choices(pairs):
    """(id, label) pairs of (person, open task count): the label says the person's current load."""
    return [(pid, _("%(who)s — 在办 %(n)s 件", who=label, n=load))
            for (pid, label), (_p, load) in zip(person_choices([p for p, _n in pairs]), pairs)]
