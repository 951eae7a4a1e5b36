"""The parameters each allowed service operator takes, and their check.

One place for what docs/process-contract.md lists: the modeler checks a service task's
parameters against it as the administrator types (``POST /processes/edit/check-operator``) and
the upload pre-check refuses a diagram that breaks it, naming the element. Each parameter is a
restricted-engine expression (``engine.check_source`` in ``eval`` mode).
"""
import re

from flask_babel import gettext as _

from .errors import UnsafeScript
from .rules import SERVICE_OPERATORS
from .scripting import check_source

# operator -> (required parameters, optional parameters)
OPERATOR_PARAMETERS = {
    "registry_apply": ((), ()),
    "apply_change": ((), ()),
    "notify_reminder": (("task",), ()),
    "escalate_task": (("task",), ()),
    "close_problem": ((), ()),
}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def parse_lines(text):
    """([(name, expression)], [message]) of the panel's ``name = expression`` lines."""
    params, messages = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals:
            messages.append(_("第 %(n)s 行不是“名称 = 表达式”的形式。", n=number))
            continue
        params.append((name.strip(), value.strip()))
    return params, messages


def check_operator(operator, params):
    """Chinese messages about ``operator`` with ``params`` [(name, expression)]; empty when fine."""
    if not operator:
        return [_("请选择服务操作。")]
    if operator not in SERVICE_OPERATORS:
        return [_("服务操作 %(operator)s 不在允许清单中，请从列表中选择。", operator=operator)]
    required, optional = OPERATOR_PARAMETERS.get(operator, ((), ()))
    allowed = (*required, *optional)
    messages, seen = [], set()
    for name, expression in params:
        if not _NAME.match(name):
            messages.append(_("参数名 %(name)s 无效：只能用英文字母、数字和下划线，并以字母开头。", name=name or "—"))
            continue
        if name in seen:
            messages.append(_("参数 %(name)s 写了两次。", name=name))
        seen.add(name)
        if name not in allowed:
            messages.append(_("此服务操作没有参数 %(name)s（可用参数：%(allowed)s）。", name=name,
                              allowed="、".join(allowed) or _("无")))
            continue
        messages.extend(_expression_problems(name, expression))
    for name in required:
        if name not in seen:
            messages.append(_("缺少参数 %(name)s。", name=name))
    return messages


def _expression_problems(name, expression):
    if not expression:
        return [_("参数 %(name)s 没有值：请写一个表达式，例如带引号的文字 'visit_household'。", name=name)]
    try:
        check_source(expression, "eval")
    except UnsafeScript as err:
        reasons = "；".join(each.message() for each in [err, *getattr(err, "others", [])][:3])
        return [_("参数 %(name)s 的表达式被拒绝：%(reasons)s", name=name, reasons=reasons)]
    except SyntaxError:
        return [_("参数 %(name)s 的表达式不是有效的 Python 表达式（文字要加引号）。", name=name)]
    return []
