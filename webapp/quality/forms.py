"""Forms of the quality pages: drawing a spot-check sample, the county's evaluation."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..labels import GROUPS


class DrawForm(FlaskForm):
    """Draw a sample: the share of each stratum, who re-verifies, and (optionally) the seed."""

    share_percent = IntegerField(_l("抽查比例(%)"), default=5, validators=[InputRequired(), NumberRange(1, 100)])
    verifier = RadioField(_l("核实层级"), default="township",
                          choices=[(k, v) for k, v in GROUPS["spot_verifier"].items()], validators=[InputRequired()])
    seed = StringField(_l("随机种子（留空则自动生成）"),
                       validators=[Optional(), Length(max=32), Regexp(r"^[0-9A-Za-z_-]+$")])


class EvaluationForm(FlaskForm):
    """The county's evaluation: the three sections (the figures are taken when it is saved)."""

    practices = TextAreaField(_l("主要做法"), validators=[Length(max=8000)])
    problems = TextAreaField(_l("存在问题"), validators=[Length(max=8000)])
    mechanism = TextAreaField(_l("长效机制"), validators=[Length(max=8000)])


class EmptyForm(FlaskForm):
    """A button that only needs its CSRF token."""
