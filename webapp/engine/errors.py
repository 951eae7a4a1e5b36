"""The engine's own errors: a code, a few safe parameters, and a message in the user's language.

Parameters are names, line numbers and limits, never values a diagram computed: messages are
shown to administrators and supervisors, and an evaluated value could be anything.
"""
from flask import has_request_context
from flask_babel import gettext


def _l(msgid):
    """Mark a message for extraction; it is translated when shown (``describe``)."""
    return msgid


MESSAGES = {
    # refused before running (diagram validation) or while running
    "syntax": _l("语法错误（第 %(line)s 行）"),
    "statement": _l("不允许的语句或表达式：%(name)s（第 %(line)s 行）"),
    "name": _l("不允许的名称：%(name)s"),
    "attribute": _l("不允许的属性或方法：.%(name)s"),
    "dunder": _l("不允许在字符串中出现双下划线"),
    "dunder_built": _l("不允许生成含双下划线的字符串"),
    "bytes": _l("不允许使用字节串"),
    "fstring": _l("f 字符串中不允许使用格式说明或转换（!r、!s、:…）"),
    "keyword": _l("不允许的关键字参数写法"),
    "target": _l("只能给变量或列表元素赋值（不能给属性或切片赋值）"),
    "call": _l("不允许调用该函数或对象"),
    "operand": _l("运算的操作数不被允许"),
    "format_width": _l("%% 格式化的宽度或精度过大"),
    "format_value": _l("%% 格式化只能用于文字和数字"),
    "nested_tuple": _l("不允许元组中嵌套元组"),
    "sum": _l("sum 只能对数字求和"),
    "too_long": _l("代码过长（超过 %(limit)s 个字符）"),
    "too_deep": _l("代码嵌套过深（超过 %(limit)s 层）"),
    # limits while running
    "time": _l("脚本运行超过时间上限（%(seconds)s 秒）"),
    "steps": _l("脚本循环次数超过上限（%(limit)s 次）"),
    "int": _l("计算产生的整数过大（超过 %(bits)s 位）"),
    "size": _l("计算产生的文字或列表过长（超过 %(limit)s 个元素）"),
    "memory": _l("脚本占用内存超过上限（共超过 %(limit)s 个元素）"),
    "nested": _l("数据嵌套过深、过大或自我引用（超过 %(limit)s 个节点）"),
    "data": _l("脚本结果不能保存：变量 %(name)s 不是文字、数字、列表或字典，或嵌套过深过大"),
    # whole-case failures (incidents)
    "loop": _l("自动环节连续运行超过 %(limit)s 次仍未停下，流程中可能有不经过人工或计时器的循环"),
    "stuck": _l("流程既没有待办任务，也没有等待中的计时器，无法继续"),
    "timer": _l("计时器的时间无法计算或超出允许范围"),
    "timer_range": _l("计时器时长必须在 %(low)s 到 %(high)s 之间"),
    "timer_date": _l("计时器日期必须在今天前后 %(high)s 之内"),
    "timer_cycles": _l("循环计时器的重复次数必须在 1 到 %(limit)s 之间"),
    "timer_parse": _l("计时器表达式无法解析为 ISO 8601 时长或时间：%(source)s"),
    "deep_state": _l("流程的数据或步骤嵌套过深，无法继续"),
    "error": _l("流程执行出错（%(kind)s）"),
}


class ScriptError(Exception):
    """A failure of diagram code: ``code`` picks the message, ``params`` fill it in."""

    def __init__(self, code, **params):
        self.code = code
        self.params = params
        super().__init__(code)

    def message(self):
        """The message in the current language (Chinese outside a request)."""
        return describe(self.code, self.params)

    def __str__(self):
        return self.message()


class UnsafeScript(ScriptError, ValueError):
    """A script or expression uses a construct the restricted engine refuses."""


class ScriptLimitExceeded(ScriptError):
    """A script, condition or timer went past its time, step or size budget."""


def describe(code, params=None):
    """The message for ``code`` with ``params``; unknown codes fall back to the generic error."""
    template = MESSAGES.get(code) or MESSAGES["error"]
    # Workers and the CLI have no reader: they log and store the Chinese text.
    text = gettext(template) if has_request_context() else template
    values = dict(params or {})
    values.setdefault("kind", code)
    try:
        return text % values
    except (KeyError, TypeError, ValueError):
        return text.split("%")[0]
