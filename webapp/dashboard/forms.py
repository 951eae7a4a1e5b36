"""Forms of the dashboard: producing a bulletin, keeping the leading-group list."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class BulletinForm(FlaskForm):
    """Produce a bulletin as of a date (default yesterday: a whole day)."""

    as_of = DateField(_l("截至日期"), validators=[InputRequired()])


class LeaderForm(FlaskForm):
    """Add one member of a township's leading group."""

    township_code = SelectField(_l("乡镇"), validators=[InputRequired()])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    post = StringField(_l("职务"), validators=[Length(max=64)])


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""


class ExclusionForm(FlaskForm):
    """Explain why a household, or one member, is not to be registered (户已迁出, 空挂户, 重复户 ...)."""

    household_id = HiddenField(validators=[InputRequired()])
    person_id = HiddenField()
    reason = SelectField(_l("原因"), validators=[InputRequired()])
    note = StringField(_l("说明"), validators=[Length(max=256)])
