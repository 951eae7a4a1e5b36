"""The registration form (全民参保登记表) for one person, filled during the visit."""
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .. import codes
from ..bound_fields import BindOnce, KnownChoicesField, ValidateOnce
from ..idnumber import birth_date as id_birth_date, normalize_id, sex as id_sex
from ..request_context import this_request
from ..url_cache import id_link

# Keys stored in RegistrationForm.data (everything but the identity, which has its own columns).
DATA_FIELDS = ("sex", "birth_date", "ethnicity", "phone", "hukou_address", "current_address", "relation_to_head",
               "household_type", "status", "employed", "employer", "flexible_employment", "migrant_worker",
               "pension_scheme", "pension_where", "pension_since", "medical_scheme", "medical_where",
               "unemployment", "work_injury", "maternity", "uninsured_reason", "willing_to_enroll",
               "willing_scheme", "outcome_code", "policy_explained", "signature", "note")


class PersonRegistrationForm(ValidateOnce, FlaskForm):
    """One person's registration: identity, employment, insurance, and the survey outcome."""

    class Meta(BindOnce):  # 32 fields on every form save: bound once per process
        pass

    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=64)])
    id_number = StringField(_l("公民身份号码"), validators=[DataRequired()])
    # Sex and birth date come from the ID number; a different sex needs an explicit confirmation.
    sex = KnownChoicesField(_l("性别"), choices=[("", _l("（请选择）"))] + codes.SEX)
    sex_confirmed = BooleanField(_l("已核实：性别与身份号码不一致但填写无误"))
    birth_date = DateField(_l("出生日期"), validators=[Optional()])
    ethnicity = StringField(_l("民族"), default="汉族", validators=[Optional(), Length(max=16)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Regexp(r"^[0-9\-+ ]{5,20}$",
                                                                     message=_l("电话号码格式不正确。"))])
    hukou_address = StringField(_l("户籍所在地"), validators=[Optional(), Length(max=256)])
    current_address = StringField(_l("现居住地"), validators=[Optional(), Length(max=256)])
    relation_to_head = KnownChoicesField(_l("与户主关系"), choices=codes.RELATION)
    household_type = KnownChoicesField(_l("户口性质"), choices=codes.HOUSEHOLD_TYPE)
    status = KnownChoicesField(_l("人员状态"), choices=codes.PERSON_STATUS)
    employed = BooleanField(_l("就业"))
    employer = StringField(_l("工作单位"), validators=[Optional(), Length(max=128)])
    flexible_employment = BooleanField(_l("灵活就业"))
    migrant_worker = BooleanField(_l("农民工"))
    pension_scheme = KnownChoicesField(_l("基本养老保险"), choices=codes.PENSION_SCHEMES)
    pension_where = KnownChoicesField(_l("养老保险参保地"), choices=codes.INSURED_WHERE)
    pension_since = DateField(_l("首次参保日期"), validators=[Optional()])
    medical_scheme = KnownChoicesField(_l("基本医疗保险"), choices=codes.MEDICAL_SCHEMES)
    medical_where = KnownChoicesField(_l("医疗保险参保地"), choices=codes.INSURED_WHERE)
    unemployment = BooleanField(_l("失业保险"))
    work_injury = BooleanField(_l("工伤保险"))
    maternity = BooleanField(_l("生育保险"))
    uninsured_reason = KnownChoicesField(_l("未参保原因"), choices=codes.UNINSURED_REASONS)
    willing_to_enroll = KnownChoicesField(_l("参保意愿"), choices=codes.WILLINGNESS)
    willing_scheme = KnownChoicesField(_l("意愿参保险种"), choices=codes.PENSION_SCHEMES + codes.MEDICAL_SCHEMES[1:])
    outcome_code = KnownChoicesField(_l("调查结果"), choices=codes.OUTCOME_CODES, validators=[DataRequired()])
    policy_explained = BooleanField(_l("已宣传参保政策"))
    signature = KnownChoicesField(_l("签字确认"), choices=[("", _l("（请选择）"))] + codes.SIGNATURE,
                            validators=[DataRequired(message=_l("请选择签字确认情况：本人已签字或拒绝签字。"))])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=500)])

    def validate_id_number(self, field):
        """Check the ID by GB 11643 and store its canonical form."""
        result = normalize_id(field.data)
        if not result.ok:
            raise ValidationError(_l("公民身份号码有误：%(problem)s", problem="；".join(
                issue.message for issue in result.errors)))
        field.data = result.canonical
        self.birth_date.data = id_birth_date(result.canonical)

    def validate_sex(self, field):
        """Take the sex from the ID when none is chosen; refuse a different one unless confirmed."""
        if self.id_number.errors or not self.id_number.data or len(self.id_number.data) != 18:
            return
        derived = id_sex(self.id_number.data)
        if not field.data:
            field.data = derived
        elif field.data != derived and not self.sex_confirmed.data:
            raise ValidationError(_l("性别与公民身份号码不一致：号码显示为%(sex)s。请核实；确认无误请勾选下方的确认。",
                                     sex=dict(codes.SEX)[derived]))

    def validate_uninsured_reason(self, field):
        insured = self.pension_scheme.data or self.medical_scheme.data
        if not insured and not field.data and self.status.data == "normal":
            raise ValidationError(_l("未参保人员必须选择未参保原因。"))

    def validate_pension_where(self, field):
        if self.pension_scheme.data and not field.data:
            raise ValidationError(_l("请选择养老保险参保地。"))

    def stored_data(self):
        """The JSON stored for this form (dates as ISO strings)."""
        data = {}
        for key in DATA_FIELDS:
            value = getattr(self, key).data
            data[key] = value.isoformat() if hasattr(value, "isoformat") else value
        data["insured"] = bool(self.pension_scheme.data or self.medical_scheme.data)
        return data

    def load(self, stored):
        """Fill the fields from a stored form's data."""
        for key in DATA_FIELDS:
            if key not in stored:
                continue
            value = stored[key]
            if key in ("pension_since", "birth_date"):
                value = date.fromisoformat(value) if value else None
            getattr(self, key).data = value


# The query argument of the visit page naming the form a save's redirect confirms.
SAVED_FORM = "saved_form"


def saved_link(task_id, form_id):
    """The visit page of task ``task_id`` confirming that form ``form_id`` was saved: where a
    save redirects. The confirmation rides on the link, not on a flashed message, which would
    have the session cookie signed again by the save and once more by the page showing it; a
    page of another tab or a double click's first answer cannot take it either. app.js takes
    the argument off the address once the page is shown, so a reload or a return through the
    history shows the page without it, as after a flashed message."""
    return f"{id_link('inbox.task', 'task_id')(task_id)}?{SAVED_FORM}={int(form_id)}"


def saved_notices(filled):
    """The messages of the visit page shown for its link (see :func:`saved_link`; the page asks
    only on a GET): the confirmation of the saved form when it is among ``filled`` (the case's
    forms the page shows, by ID number), as (category, text) pairs like flashed messages; none
    for any other form id."""
    current = this_request()
    if not current.query_string:  # the usual page: no arguments parsed
        return []
    form_id = current.args.get(SAVED_FORM, type=int)
    names = [form.name for form in filled.values() if form.id == form_id]
    return [("success", _("已保存 %(name)s 的登记表。", name=names[0]))] if names else []
