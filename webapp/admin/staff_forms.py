"""Forms of the staff accounts pages (the rules themselves live in services.staff)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..formatting import ROLE_LABELS
from ..models import ROLES


def role_choices():
    """Role codes with their names in the interface language."""
    return [(code, f"{ROLE_LABELS[code]}（{code}）") for code in ROLES]


class UserForm(FlaskForm):
    """Name, role and home area of an account (creation adds the login and a password)."""

    display_name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("岗位"), validators=[DataRequired()])
    area_id = SelectField(_l("所属地区"), coerce=int, validators=[DataRequired()])


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
