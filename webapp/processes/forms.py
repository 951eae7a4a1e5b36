"""Forms of the process pages."""
from flask_wtf import FlaskForm


class RollbackForm(FlaskForm):
    """Make an earlier version current: a button whose only field is its CSRF token."""
