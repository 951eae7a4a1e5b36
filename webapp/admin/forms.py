"""Administration forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class DiagramUploadForm(FlaskForm):
    """A new version of one BPMN file of a process."""

    process_id = SelectField(_l("流程"), validators=[DataRequired()])
    file = FileField(_l("BPMN 文件"), validators=[FileRequired(), FileAllowed(["bpmn", "xml"], _l("只接受 .bpmn 文件"))])
    comment = StringField(_l("说明"), validators=[Optional(), Length(max=256)])
