"""The one registry of form kinds: what a user task's page is, given its ``form`` property.

A diagram's user task names its kind (``spiffworkflow:property name="form"``); everything else
about the step (titles, role, variables, deadline) comes from the diagram (webapp/engine/
catalogue.py). A new step of an existing kind — say a countersignature that approves or returns
with a reason — needs no code: draw it, pick the kind, deploy. A new kind is one entry here
plus, if it needs a new page, a renderer in webapp/inbox/task_pages.py under ``page``.
"""
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l

from .engine import current_version
from .engine.catalogue import steps_of
from .engine.diagrams import steps_of_version
from .extensions import db
from .labels import INSPECTION_OUTCOMES, PROBLEM_OUTCOMES
from .memo import RequestKept
from .models import DiagramVersion
from .request_context import request_or_none


@dataclass(frozen=True)
class FormKind:
    """A kind of task page: its label, the page that renders it, the decisions it may write."""

    code: str
    label: object
    page: str
    decisions: tuple = ()  # (value, label) a decision may take; gateways test these values
    returns: tuple = ()  # decisions that send work back: the comment becomes the return reason
    # The decisions come from the step's form definition (a form defined as data), not from here.
    decisions_from_definition: bool = False
    # check(task properties) -> [message]: what else the step's properties must satisfy (preflight).
    check: object = None
    # A step of this kind continues the work of the case's last step of kind ``continues``: it
    # goes to whoever did that (the agency member who investigated a problem also resolves it).
    continues: str = ""


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
             tuple(PROBLEM_OUTCOMES), continues="investigate"),
    # The village assistant's periodic survey: households confirmed or their changes raised.
    FormKind("village_survey", _l("定期调查：逐户确认或申报变更"), "survey"),
    # Spot checks (核查工作质量): each sampled form re-verified, the result recorded per form.
    FormKind("spot_check", _l("抽查核实：逐表记录核实结果"), "spot_check"),
    # The township's summary (总结评估): figures frozen at submission plus three text sections.
    FormKind("campaign_summary", _l("工作总结：填写并报送"), "summary_write"),
    FormKind("summary_review", _l("总结审核：通过 / 退回（须写明原因）"), "summary_review",
             (("approve", _l("通过")), ("return", _l("退回"))), ("return",)),
    # A form defined as data in the form builder: the step's ``form_definition`` property names
    # it; its fields, labels and optional decisions come from the published schema.
    FormKind("data_form", _l("数据表单（管理员在表单设计器中定义）"), "data_form", returns=("return",),
             decisions_from_definition=True),  # its check: services.admin.form_definitions.check_step
    # Employer inspection (用工检查): the notice (or "not liable"), then re-check and outcome.
    FormKind("inspection_notice", _l("用工检查：下达整改通知"), "inspection_notice",
             (("issued", _l("已送达整改通知")), ("not_liable", _l("不属于参保责任单位")))),
    FormKind("inspection_outcome", _l("用工检查：整改复查与处理结果"), "inspection_outcome",
             tuple(INSPECTION_OUTCOMES)),
    # An expansion drive's contact round: every target's contact recorded (outcome, reason, follow-up).
    FormKind("expansion_contact", _l("扩面对象逐人联系"), "expansion"),
):
    register(_kind)


DATA_FORM = "data_form"


def register_check(code, check):
    """Give form kind ``code`` its ``check(task properties) -> [message]`` for the preflight.

    A check that reads what a step's properties name (a form definition, say) belongs to the
    service that knows it; that service registers it when the app starts (create_app), so this
    registry imports no service.
    """
    FORM_KINDS[code] = replace(FORM_KINDS[code], check=check)


def kind(code):
    """The FormKind named ``code``, or None."""
    return FORM_KINDS.get(code)


def choices():
    """(code, label) of every kind, for the modeler's properties panel."""
    return [(code, str(each.label)) for code, each in FORM_KINDS.items()]


# This request's steps found, by (version id, (process id, task id)): none of another request's (a
# test's app context outlives its requests), none outside a request. Never forgotten within the
# request: a version's steps never change.
_ASKED = RequestKept("form_kinds.steps_asked")


def step_of(row):
    """The diagram's Step for inbox ``row`` (from its own version), or None.

    A version stored before steps were data names no form kind: its step is then described by
    the same step (process and task id) of the process's current version.
    """
    version_id = row.diagram_version_id or row.instance.diagram_version_id
    key = (row.process_id, row.task_name)
    # A request asks this several times for one row (a completion: its page, its variables, its
    # form kind, the progress counters, its title): a step found in the row's own version is
    # remembered for the request (a version's steps never change; the fallback is not kept).
    asked = _ASKED.values(db.session, request_or_none())
    step = asked.get((version_id, key))
    if step is not None:
        return step
    steps = steps_of_version(version_id) or {}
    step = steps.get(key)
    if step is not None and step.form:
        asked[(version_id, key)] = step
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
    decides = form_kind.decisions or form_kind.decisions_from_definition
    return (step.decision_variable if decides else None), step.comment_variable
