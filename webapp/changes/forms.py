"""Forms for raising change requests."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .. import codes
from ..idnumber import normalize_id
from ..labels import GROUPS, field_title
from ..services.casework.changes import CORRECTABLE, SCHEME_FIELDS

PERSON_KINDS = ("death", "move_out", "status", "scheme", "correction", "household_split", "household_merge")
NEW_PERSON_KINDS = ("birth", "move_in")


def _kinds(names):
    return [(k, GROUPS["change_kind"][k]) for k in names]


class ChangeRequestForm(FlaskForm):
    """A change to one person's registration, with its reason and evidence."""

    kind = SelectField(_l("变更类型"), choices=_kinds(PERSON_KINDS))
    field = SelectField(_l("变更项目（险种变更、信息更正时选择）"), validators=[Optional()],
                        choices=[("", _l("（不适用）"))] + [(f, field_title(f)) for f in SCHEME_FIELDS + CORRECTABLE])
    status_value = SelectField(_l("新的人员状态（状态变更时选择）"), choices=codes.PERSON_STATUS, validators=[Optional()])
    scheme_value = SelectField(_l("新的险种（险种变更时选择）"), validators=[Optional()],
                               choices=codes.PENSION_SCHEMES + codes.MEDICAL_SCHEMES[1:])
    text_value = StringField(_l("更正后的内容（信息更正时填写）"), validators=[Optional(), Length(max=256)])
    household_number = StringField(_l("户号（分户填新户号，并户填并入的户号）"), validators=[Optional(), Length(max=32)])
    reason = TextAreaField(_l("变更原因"), validators=[DataRequired(), Length(max=500)])
    evidence = TextAreaField(_l("证明材料（如死亡证明、户口迁移证编号）"), validators=[Optional(), Length(max=500)])

    def new_value(self):
        """The value the request asks for, by kind (None for death and moving out: fixed values)."""
        kind = self.kind.data
        if kind == "status":
            return self.status_value.data
        if kind == "scheme":
            pension = dict(codes.PENSION_SCHEMES)
            value = self.scheme_value.data
            # A pension code cannot go into the medical field or the other way round: treat as empty.
            if value and (value in pension) != (self.field.data == "pension_scheme"):
                return None
            return value
        if kind == "correction":
            return (self.text_value.data or "").strip() or None
        if kind in ("household_split", "household_merge"):
            return (self.household_number.data or "").strip() or None
        return None


class NewPersonForm(FlaskForm):
    """A person not yet in the registry: a newborn or someone moving into the county."""

    kind = SelectField(_l("变更类型"), choices=_kinds(NEW_PERSON_KINDS))
    id_number = StringField(_l("公民身份号码"), validators=[DataRequired(), Length(min=18, max=18)])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    household_number = StringField(_l("户号"), validators=[Optional(), Length(max=32)])
    relation_to_head = SelectField(_l("与户主关系"), choices=[("", _l("（未填）"))] + codes.RELATION,
                                   validators=[Optional()])
    village_code = SelectField(_l("村(社区)"))
    reason = TextAreaField(_l("变更原因"), validators=[DataRequired(), Length(max=500)])
    evidence = TextAreaField(_l("证明材料（如出生医学证明编号、户口迁移证编号）"), validators=[Optional(), Length(max=500)])

    def validate_id_number(self, field):
        """The ID must be a valid 18-digit citizen ID number."""
        result = normalize_id((field.data or "").strip())
        if not result.ok:
            raise ValidationError(_l("公民身份号码无效。"))
        field.data = result.canonical


class SurveyScheduleForm(FlaskForm):
    """A village's periodic survey: every how many days, and the next due date."""

    village_code = SelectField(_l("村(社区)"))
    every_days = IntegerField(_l("调查周期（天）"), default=90, validators=[NumberRange(min=7, max=366)])
    next_due = DateField(_l("下次调查日期"), validators=[DataRequired()])
