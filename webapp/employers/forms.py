"""Forms of the employer pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class TaxFlagForm(FlaskForm):
    """Set or clear the tax bureau's concern on an employer (joint tax and social insurance registration)."""

    key = HiddenField(validators=[DataRequired()])
    tax_flag = BooleanField(_l("税务部门关注（税费联合登记）"))
    tax_flag_date = DateField(_l("关注日期"), validators=[Optional()])
    tax_flag_note = StringField(_l("说明"), validators=[Optional(), Length(max=500)])


class EmployerActionForm(FlaskForm):
    """An action on one employer (open an inspection, record the annual check)."""

    key = HiddenField(validators=[DataRequired()])


class RunInspectForm(FlaskForm):
    """Open inspections for a run's employers of one kind."""

    reason = SelectField(_l("检查对象"), choices=[("uninsured", _l("未参保单位")), ("new", _l("本年新登记单位")),
                                                 ("cancelled", _l("本年注销单位"))])


class DocumentForm(FlaskForm):
    """A document attached to an inspection."""

    file = FileField(_l("文书（PDF、JPEG 或 PNG）"), validators=[FileRequired()])
