"""Forms of the staff accounts pages (the rules themselves live in services.admin.staff)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..formatting import ROLE_LABELS
from ..intake.mapping import SOURCES
from ..models import ROLES


def role_choices():
    """Role codes with their names in the interface language."""
    return [(code, ROLE_LABELS[code]) for code in ROLES]


# The departments that send data files (webapp.intake.mapping.SOURCES), named for staff.
DEPARTMENT_LABELS = {
    "public_security": _l("公安户籍"), "health": _l("卫生健康（城乡居民医保）"), "social_insurance": _l("社保业务系统"),
    "market_supervision": _l("市场监管（企业登记）"), "civil_affairs": _l("民政（社会组织登记）"),
}


def department_choices():
    """The data-source departments a data provider may belong to, with a blank first option."""
    return [("", _l("（不适用）"))] + [(code, DEPARTMENT_LABELS.get(code, code)) for code in SOURCES]


class UserForm(FlaskForm):
    """Name, role and home area of an account (creation adds the login and a password)."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("岗位"), validators=[DataRequired()])
    area_id = SelectField(_l("所属地区"), coerce=int, validators=[DataRequired()])
    department = SelectField(_l("所属部门（仅数据提供部门）"), validators=[Optional()])


class UserCreateForm(UserForm):
    """A new account."""

    username = StringField(_l("登录名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("初始密码（留空则自动生成）"), validators=[Optional()])


class PasswordResetForm(FlaskForm):
    """A new password typed by the administrator, or none to generate one."""

    password = PasswordField(_l("新密码（留空则自动生成）"), validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that posts (disable, re-enable): only the CSRF token."""


class ImportUploadForm(FlaskForm):
    """The Excel sheet of staff to import."""

    file = FileField(_l("Excel 文件"), validators=[FileRequired(), FileAllowed(["xlsx"], _l("只接受 .xlsx 文件"))])


class ImportConfirmForm(FlaskForm):
    """The checked rows, carried to the confirmation (they are checked again on the server)."""

    rows = HiddenField(validators=[DataRequired()])
