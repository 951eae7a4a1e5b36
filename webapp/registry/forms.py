"""Forms of the registration database pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import codes


class ChangeRequestForm(FlaskForm):
    """A change to a person's registration, raised by the agency or a township (动态变更)."""

    status = SelectField(_l("人员状态"), choices=[("", _l("（不变）"))] + codes.PERSON_STATUS, validators=[Optional()])
    outcome_code = SelectField(_l("调查结果"), choices=codes.OUTCOME_CODES, validators=[Optional()])
    pension_scheme = SelectField(_l("基本养老保险"), choices=[("-", _l("（不变）"))] + codes.PENSION_SCHEMES,
                                 validators=[Optional()])
    medical_scheme = SelectField(_l("基本医疗保险"), choices=[("-", _l("（不变）"))] + codes.MEDICAL_SCHEMES,
                                 validators=[Optional()])
    reason = TextAreaField(_l("变更原因"), validators=[DataRequired(), Length(max=500)])

    def changes(self):
        """Only the fields the user actually changed."""
        changes = {}
        if self.status.data:
            changes["status"] = self.status.data
        if self.outcome_code.data:
            changes["outcome_code"] = self.outcome_code.data
        for key in ("pension_scheme", "medical_scheme"):
            value = getattr(self, key).data
            if value != "-":
                changes[key] = value
        return changes
