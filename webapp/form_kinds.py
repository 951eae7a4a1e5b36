"""The one registry of form kinds: what a user task's page is, given its ``form`` property.

A diagram's user task names its kind (``spiffworkflow:property name="form"``); everything else
about the step (titles, role, variables, deadline) comes from the diagram (webapp/engine/
catalogue.py). A new step of an existing kind — say a countersignature that approves or returns
with a reason — needs no code: draw it, pick the kind, deploy. A new kind is one entry here
plus, if it needs a new page, a renderer in webapp/inbox/task_pages.py under ``page``.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .labels import PROBLEM_OUTCOMES


@dataclass(frozen=True)
class FormKind:
    """A kind of task page: its label, the page that renders it, the decisions it may write."""

    code: str
    label: object
    page: str
    decisions: tuple = ()  # (value, label) a decision may take; gateways test these values
    returns: tuple = ()  # decisions that send work back: the comment becomes the return reason


FORM_KINDS = {}


def register(form_kind):
    """Add a form kind to the registry (its code must be new)."""
    if form_kind.code in FORM_KINDS:
        raise ValueError(f"form kind {form_kind.code} is registered twice")
    FORM_KINDS[form_kind.code] = form_kind
    return form_kind


for _kind in (
    FormKind("approve_return", _l("审核：通过 / 退回（须写明原因）"), "review",
             (("approve", _l("通过")), ("return", _l("退回"))), ("return",)),
    FormKind("approve_reject", _l("审核：同意 / 不予变更（须写明原因）"), "change_review",
             (("approve", _l("同意变更")), ("reject", _l("不予变更")))),
    FormKind("assign_household", _l("分配村(社区)和入户人员"), "assign"),
    FormKind("visit", _l("入户调查与登记表"), "visit",
             (("completed", _l("已完成")), ("not_at_home", _l("未遇到人"))), ("not_at_home",)),
    FormKind("investigate", _l("问题数据调查记录"), "investigate"),
    FormKind("resolve_problem", _l("问题数据处理结果"), "resolve",
             tuple(PROBLEM_OUTCOMES)),
    # The village assistant's periodic survey: households confirmed or their changes raised.
    FormKind("village_survey", _l("定期调查：逐户确认或申报变更"), "survey"),
    # An expansion drive's contact round: every target's contact recorded (outcome, reason, follow-up).
    FormKind("expansion_contact", _l("扩面对象逐人联系"), "expansion"),
):
    register(_kind)


def kind(code):
    """The FormKind named ``code``, or None."""
    return FORM_KINDS.get(code)


def choices():
    """(code, label) of every kind, for the modeler's properties panel."""
    return [(code, str(each.label)) for code, each in FORM_KINDS.items()]


def step_of(row):
    """The diagram's Step for inbox ``row`` (from its own version), or None.

    A version stored before steps were data names no form kind: its step is then described by
    the same step (process and task id) of the process's current version.
    """
    from .engine import current_version
    from .engine.catalogue import steps_of
    from .engine.diagrams import steps_of_version
    from .extensions import db
    from .models import DiagramVersion

    version_id = row.diagram_version_id or row.instance.diagram_version_id
    steps = steps_of_version(version_id) or {}
    key = (row.process_id, row.task_name)
    step = steps.get(key)
    if step is None or not step.form:
        try:
            bundle = db.session.get(DiagramVersion, version_id).process_id  # only for old versions
            newer = steps_of(current_version(bundle)).get(key)
        except LookupError:
            newer = None
        if newer is not None and newer.form:
            return newer
    return step


def kind_of(row):
    """(FormKind or None, Step or None) of inbox ``row``."""
    step = step_of(row)
    return (kind(step.form) if step else None), step


def variables_of(row):
    """(decision variable or None, comment variable or None) the task of ``row`` writes."""
    form_kind, step = kind_of(row)
    if step is None or form_kind is None:
        return None, None
    return (step.decision_variable if form_kind.decisions else None), step.comment_variable
