"""The expansion pages' forms: a grouping rule, opening a drive, one contact."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class RuleForm(FlaskForm):
    """One grouping rule: its place, its group and its conditions (one per line)."""

    position = IntegerField(_l("顺序"), validators=[Optional(), NumberRange(min=1, max=999)])
    group_code = SelectField(_l("归入人群"), choices=[])
    conditions = TextAreaField(_l("条件（每行一个，须同时满足）"), validators=[Length(max=2000)])


class DriveForm(FlaskForm):
    """Opening a drive over a target list."""

    name = StringField(_l("行动名称"), validators=[DataRequired(), Length(max=100)])
    groups = SelectMultipleField(_l("重点人群"), choices=[])
    areas = SelectMultipleField(_l("乡镇或村(社区)"), choices=[])
    contact_role = SelectField(_l("由谁联系"), choices=[])


class ContactForm(FlaskForm):
    """One contact with a target, from the contact task page."""

    outcome = SelectField(_l("联系结果"), choices=[], validate_choice=False)
    reason = StringField(_l("原因或说明"), validators=[Optional(), Length(max=256)])
    follow_up_on = DateField(_l("回访日期"), validators=[Optional()])
    key = StringField(validators=[Optional(), Length(max=64)])
