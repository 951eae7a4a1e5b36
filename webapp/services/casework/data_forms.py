"""Tasks whose form is defined as data: which schema version they use, checking and storing
what they post, and the values shown on the case timeline.

The posted values are checked against the version the task started with (webapp/form_schema.py):
anything outside the schema is refused and nothing is stored. Accepted values land in the task
data (gateway conditions read them by key), in a ``form_submission`` row linked to the timeline
line, and the step's decision/comment variables when the form declares decisions.
"""
from flask_babel import gettext as _

from ... import form_kinds
from ...form_schema import check_values, text_of
from ...idnumber import mask_id
from ...extensions import db
from ...models import CaseEvent, FormSubmission
from .. import audit
from ..admin import form_definitions
from . import cases
from .tasks import TaskRefused


class FormRefused(TaskRefused):
    """The post does not match the form's schema; ``problems`` lists every reason."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("；".join(problems))


def version_of(row):
    """(FormVersion or None, Step) of a data_form inbox ``row``: the version current when it started."""
    _kind, step = form_kinds.kind_of(row)
    code = step.form_definition if step is not None else ""
    return (form_definitions.version_for_task(code, row.created_at) if code else None), step


def submit(row, user, posted, language):
    """Check ``posted`` ({name: text}) against the task's schema version and complete ``row``.

    Raises FormRefused (nothing stored) when the post does not match the schema.
    """
    version, step = version_of(row)
    if version is None:
        raise TaskRefused(_("此环节的数据表单不存在或尚未发布，无法办理：请联系管理员。"))
    values, decision, comment, problems = check_values(version.schema, posted, language)
    if problems:
        raise FormRefused(problems)
    data = dict(values)
    if version.schema.get("decisions"):
        data[step.decision_variable], data[step.comment_variable] = decision, comment
    created = cases.complete(row, user, data)
    if row.state == "completed":
        event = (CaseEvent.query.filter_by(case_id=row.case_id, kind="task_completed", task_name=row.task_name)
                 .order_by(CaseEvent.id.desc()).first())
        db.session.add(FormSubmission(inbox_task_id=row.id, case_id=row.case_id, version=version,
                                            case_event_id=getattr(event, "id", None), values=values,
                                            submitted_by_id=user.id))
        # The values may hold personal data (an ID number, a phone): the change is audited.
        audit.record(user, "form_submitted", "case", row.case_id,
                     detail=f"{step.form_definition} version {version.number}")
    return created


def shown_value(field, value, language):
    """A stored value as the case page shows it: option labels, 是/否, masked ID numbers."""
    if value is None or value == "":
        return "—"
    kind = field["type"]
    if kind == "checkbox":
        return _("是") if value else _("否")
    if kind in ("select", "radio"):
        labels = {option["value"]: option["label"] for option in field["options"]}
        return text_of(labels.get(value), language) or str(value)
    if kind == "id_number":
        return mask_id(value)
    return str(value)


def timeline_values(case_id, language):
    """{case event id: {"lines": [(label, shown value)], "decision": the decision's label or None}}
    of the data forms submitted in a case (a definition's own decision values have its labels)."""
    shown = {}
    rows = (db.session.query(FormSubmission, CaseEvent.decision)
            .outerjoin(CaseEvent, CaseEvent.id == FormSubmission.case_event_id)
            .filter(FormSubmission.case_id == case_id).options(db.joinedload(FormSubmission.version)))
    for submission, decision in rows:
        schema = submission.version.schema
        lines = [(text_of(field["label"], language), shown_value(field, submission.values[field["key"]], language))
                 for field in schema["fields"] if field["key"] in submission.values]
        labels = {each["value"]: each["label"] for each in schema.get("decisions", [])}
        shown[submission.case_event_id] = {
            "lines": lines, "decision": text_of(labels[decision], language) if decision in labels else None}
    return shown
