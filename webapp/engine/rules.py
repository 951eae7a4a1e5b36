"""The product's own rules for diagrams, checked before a deploy.

Schema validity and parsing are SpiffWorkflow's job; these rules add what this product needs:
lanes that are role codes, code that the restricted engine accepts, known service operators,
and timer durations that parse and stay within range (timer_rules.py).
"""
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask

from .errors import UnsafeScript
from .scripting import check_source
from .timer_rules import check_timer

SERVICE_OPERATORS = ("registry_apply", "apply_change", "notify_reminder", "escalate_task",
                     "close_problem")


def _code_fragments(task_spec):
    """Yield (kind, source, mode) for every piece of code a task spec carries."""
    for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
        if condition is not None:
            yield "条件", condition.args[0], "eval"
    for attr in ("script", "prescript", "postscript"):
        source = getattr(task_spec, attr, None)
        if source:
            yield "脚本", source, "exec"
    definition = getattr(task_spec, "event_definition", None)
    expression = getattr(definition, "expression", None)
    if expression:
        yield "事件表达式", expression, "eval"
    if isinstance(task_spec, ServiceTask):
        for param in (task_spec.operation_params or {}).values():
            yield "服务参数", param["value"], "eval"


def check_process_rules(spec, lane_roles):
    """Return a list of (element id, message, error code or None) for everything wrong in ``spec``."""
    problems = []
    for task_spec in spec.task_specs.values():
        element = getattr(task_spec, "bpmn_id", None) or task_spec.name
        if isinstance(task_spec, UserTask) and task_spec.lane not in lane_roles:
            problems.append((element, f"用户任务必须位于角色泳道中（{', '.join(lane_roles)}），实为：{task_spec.lane}",
                             None))
        if isinstance(task_spec, ServiceTask) and task_spec.operation_name not in SERVICE_OPERATORS:
            problems.append((element, f"未知的服务操作：{task_spec.operation_name}", None))
        for kind, source, mode in _code_fragments(task_spec):
            try:
                check_source(source, mode)
            except UnsafeScript as err:
                reasons = "；".join(each.message() for each in [err, *getattr(err, "others", [])][:5])
                problems.append((element, f"{kind}被拒绝：{reasons}", err.code))
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):
            timer_problem = check_timer(definition)
            if timer_problem:
                problems.append((element, *timer_problem))
    return problems
