"""Forms of the human tasks: distribution, visit, reviews. One form class per task kind."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..bound_fields import BindOnce


class AssignHouseholdForm(FlaskForm):
    """Township staff place a household in a village and name its visitor (责任人)."""

    village_code = SelectField(_l("村(社区)"), validators=[DataRequired()])
    visitor_id = SelectField(_l("责任人"), coerce=int, validators=[InputRequired()])


class VisitForm(FlaskForm):
    """The visitor's account of one visit."""

    class Meta(BindOnce):  # every visit completion builds it: bound once per process
        pass

    visit_result = RadioField(_l("入户结果"), choices=[("completed", _l("已完成入户登记")),
                                                   ("not_at_home", _l("未遇到人，需再访"))],
                              validators=[InputRequired()])
    visit_date = DateField(_l("入户日期"), validators=[InputRequired()])
    policy_explained = BooleanField(_l("已宣传参保政策"))
    visit_comment = TextAreaField(_l("备注"), validators=[Optional(), Length(max=1000)])


class ReviewForm(FlaskForm):
    """Approve, or return with reasons (township first review, county audit)."""

    decision = RadioField(_l("审核意见"), choices=[("approve", _l("通过")), ("return", _l("退回"))],
                          validators=[InputRequired()])
    # No Optional() here: it would stop the chain on an empty comment before validate_comment,
    # and a return would pass without its reason.
    comment = TextAreaField(_l("意见说明"), validators=[Length(max=1000)])

    def validate_comment(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("退回时必须写明原因。"))


class ChangeReviewForm(ReviewForm):
    """Approve or reject a change request."""

    decision = RadioField(_l("审核意见"), choices=[("approve", _l("同意变更")), ("reject", _l("不予变更"))],
                          validators=[InputRequired()])

    def validate_comment(self, field):
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("不予变更时必须写明原因。"))
