"""Forms of the process pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class RollbackForm(FlaskForm):
    """Make an earlier version current: a button whose only field is its CSRF token."""


class NewProcessForm(FlaskForm):
    """A new process from a template: its id and names, who starts it on what, each step's role and form."""

    template = SelectField(_l("模板"), validators=[DataRequired()])
    process_id = StringField(_l("流程标识（英文小写字母、数字、下划线）"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("流程名称（中文）"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("流程名称（英文）"), validators=[Optional(), Length(max=100)])
    start_role = SelectField(_l("可发起流程的岗位"), validators=[DataRequired()])
    subject = SelectField(_l("办理对象"), validators=[DataRequired()])
    role_1 = SelectField(_l("第一个环节的岗位"), validators=[DataRequired()])
    form_1 = SelectField(_l("第一个环节的表单类型"), validators=[DataRequired()])
    definition_1 = StringField(_l("第一个环节的表单定义编号（表单类型为数据表单时填写）"),
                               validators=[Optional(), Length(max=64)])
    role_2 = SelectField(_l("第二个环节（审核）的岗位"), validators=[Optional()])
    form_2 = SelectField(_l("第二个环节（审核）的表单类型"), validators=[Optional()])
    definition_2 = StringField(_l("第二个环节的表单定义编号（表单类型为数据表单时填写）"),
                               validators=[Optional(), Length(max=64)])
