"""Log-in form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(_l("用户名"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])


class ChangePasswordForm(FlaskForm):
    """The user's own new password (the rules are checked by services.admin.staff)."""

    current_password = PasswordField(_l("当前密码"), validators=[DataRequired()])
    new_password = PasswordField(_l("新密码"), validators=[DataRequired()])
    confirm_password = PasswordField(_l("再次输入新密码"),
                                     validators=[DataRequired(), EqualTo("new_password", _l("两次输入的新密码不一致。"))])
