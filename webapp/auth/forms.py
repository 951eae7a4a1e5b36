"""Log-in form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(_l("用户名"), validators=[DataRequired()])
    password = PasswordField(_l("密码"), validators=[DataRequired()])
