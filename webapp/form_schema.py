"""Forms as data: the schema of a form an administrator defines, and the values a task posts.

A schema is plain JSON (stored per published version, never changed afterwards)::

    {"fields": [{"key": "income", "type": "number", "label": {"zh": "年收入", "en": "Annual income"},
                 "help": {"zh": "…", "en": "…"}, "required": true, "min": 0, "max": 1000000}, …],
     "decisions": [{"value": "approve", "label": {"zh": "通过", "en": "Approve"}},
                   {"value": "return", "label": {"zh": "退回", "en": "Return"}, "comment_required": true}]}

``check_schema`` is the server's own check of what the form builder saves (every message in
Chinese, naming the field); ``check_values`` is the server's check of what a task page posts
(never trust the browser: unknown keys, types, required, options, lengths, ranges, patterns and
ID number check characters). Pure: no Flask app, no database (messages through Flask-Babel).
"""
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from .idnumber import normalize_id

FIELD_TYPES = ("text", "textarea", "number", "date", "select", "radio", "checkbox", "id_number", "phone")
# Keys become task-data variables (gateway conditions read them): identifiers of the restricted
# engine (no leading underscore), never a name the product's own processes or pages use.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_KEYS = frozenset(("csrf_token", "household_id", "village_code", "visitor_id", "reviewer",
                           "change_request_id", "survey_id", "case_id", "true", "false", "none",
                           "and", "or", "not", "in", "is", "if", "else"))
DECISION_FIELD, COMMENT_FIELD = "_decision", "_comment"  # posted names; keys never start with "_"
MAX_FIELDS, MAX_OPTIONS, MAX_DECISIONS = 60, 50, 6
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
MAX_TEXT = 5000
MAX_COMMENT = 1000
MAX_LABEL = 100
MAX_HELP = 300
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A group holding a quantifier that is itself repeated ("(a+)+"): the shape of catastrophic
# backtracking; such patterns are refused at save time (re has no time limit).
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")
TYPE_LABELS = {"text": _l("单行文字"), "textarea": _l("多行文字"), "number": _l("数字"), "date": _l("日期"),
               "select": _l("下拉选择"), "radio": _l("单选"), "checkbox": _l("勾选"),
               "id_number": _l("公民身份号码"), "phone": _l("电话号码")}
_FIELD_ATTRS = frozenset(("key", "type", "label", "help", "required", "min", "max", "max_length", "pattern",
                          "options"))


class SchemaError(ValueError):
    """A schema an administrator saved is not usable; ``messages`` says why, field by field."""

    def __init__(self, messages):
        self.messages = messages
        super().__init__("; ".join(messages))


def current_language():
    """'en' under the English locale, else 'zh': which of a schema's labels a page shows."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def text_of(label, language):
    """A {zh, en} label in ``language`` (Chinese when the English is missing)."""
    if not isinstance(label, dict):
        return str(label or "")
    return (label.get(language) if language == "en" else None) or label.get("zh") or ""


def _name(field, index):
    label = text_of(field.get("label"), "zh") if isinstance(field, dict) else ""
    return _("第 %(n)s 个字段「%(label)s」", n=index + 1, label=label) if label else _("第 %(n)s 个字段", n=index + 1)


def _check_label(value, what, where, problems, limit=MAX_LABEL, required=True):
    if value is None and not required:
        return
    if not isinstance(value, dict) or set(value) - {"zh", "en"}:
        problems.append(_("%(where)s的%(what)s格式不对：应包含中文和英文两项。", where=where, what=what))
        return
    zh, en = value.get("zh"), value.get("en")
    if not all(isinstance(v, str) for v in (zh or "", en or "")):
        problems.append(_("%(where)s的%(what)s必须是文字。", where=where, what=what))
        return
    if required and not (zh or "").strip():
        problems.append(_("%(where)s缺少中文%(what)s。", where=where, what=what))
    if required and not (en or "").strip():
        problems.append(_("%(where)s缺少英文%(what)s。", where=where, what=what))
    if len(zh or "") > limit or len(en or "") > limit:
        problems.append(_("%(where)s的%(what)s太长（最多 %(n)s 个字）。", where=where, what=what, n=limit))


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_bounds(field, where, problems):
    kind = field["type"]
    low, high = field.get("min"), field.get("max")
    if kind == "number":
        for bound in (low, high):
            if bound is not None and not _is_number(bound):
                problems.append(_("%(where)s的最小值/最大值必须是数字。", where=where))
                return
    elif kind == "date":
        for bound in (low, high):
            if bound is not None and (not isinstance(bound, str) or _parse_date(bound) is None):
                problems.append(_("%(where)s的最早/最晚日期必须写成 2026-01-31 这样的日期。", where=where))
                return
    elif low is not None or high is not None:
        problems.append(_("%(where)s是%(type)s，不能设置最小值/最大值。", where=where, type=type_label(kind)))
        return
    if low is not None and high is not None and low > high:
        problems.append(_("%(where)s的最小值大于最大值。", where=where))


def _check_text_rules(field, where, problems):
    kind = field["type"]
    max_length, pattern = field.get("max_length"), field.get("pattern")
    if max_length is not None:
        if kind not in ("text", "textarea"):
            problems.append(_("%(where)s是%(type)s，不能设置最大长度。", where=where, type=type_label(kind)))
        elif not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= MAX_TEXT:
            problems.append(_("%(where)s的最大长度必须是 1 到 %(n)s 之间的整数。", where=where, n=MAX_TEXT))
    if pattern not in (None, ""):
        if kind != "text":
            problems.append(_("%(where)s是%(type)s，不能设置格式（正则表达式）。", where=where, type=type_label(kind)))
        elif not isinstance(pattern, str) or len(pattern) > 200:
            problems.append(_("%(where)s的格式（正则表达式）太长（最多 200 个字符）。", where=where))
        elif _NESTED_QUANTIFIER.search(pattern):
            problems.append(_("%(where)s的格式（正则表达式）含有嵌套的重复，可能使校验极慢：请简化。", where=where))
        else:
            try:
                re.compile(pattern)
            except re.error:
                problems.append(_("%(where)s的格式（正则表达式）写法有误：%(pattern)s", where=where, pattern=pattern))


def _check_options(field, where, problems):
    options = field.get("options")
    if field["type"] not in ("select", "radio"):
        if options:
            problems.append(_("%(where)s是%(type)s，不能设置选项。", where=where, type=type_label(field["type"])))
        return
    if not isinstance(options, list) or not options:
        problems.append(_("%(where)s是%(type)s，至少要有一个选项。", where=where, type=type_label(field["type"])))
        return
    if len(options) > MAX_OPTIONS:
        problems.append(_("%(where)s的选项太多（最多 %(n)s 个）。", where=where, n=MAX_OPTIONS))
    seen = set()
    for number, option in enumerate(options, 1):
        at = _("%(where)s的第 %(n)s 个选项", where=where, n=number)
        if not isinstance(option, dict) or set(option) - {"value", "label"}:
            problems.append(_("%(where)s格式不对。", where=at))
            continue
        value = option.get("value")
        if not isinstance(value, str) or not re.match(r"^[A-Za-z0-9_\-]{1,40}$", value):
            problems.append(_("%(where)s的取值必须是 1 到 40 个英文字母、数字、下划线或连字符。", where=at))
        elif value in seen:
            problems.append(_("%(where)s的取值 %(value)s 重复了。", where=at, value=value))
        seen.add(value)
        _check_label(option.get("label"), _("名称"), at, problems)


def _check_field(field, index, keys, problems):
    where = _name(field, index)
    if not isinstance(field, dict):
        problems.append(_("%(where)s格式不对。", where=where))
        return
    unknown = set(field) - _FIELD_ATTRS
    if unknown:
        problems.append(_("%(where)s有不认识的设置：%(names)s。", where=where, names="、".join(sorted(map(str, unknown)))))
    key = field.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        problems.append(_("%(where)s的标识必须以小写英文字母开头，只含小写字母、数字和下划线（最多 40 个字符）。", where=where))
    elif key in RESERVED_KEYS:
        problems.append(_("%(where)s的标识 %(key)s 是系统保留的名称，请换一个。", where=where, key=key))
    elif key in keys:
        problems.append(_("%(where)s的标识 %(key)s 与其他字段重复。", where=where, key=key))
    keys.add(key)
    if field.get("type") not in FIELD_TYPES:
        problems.append(_("%(where)s的类型不对：请选择 %(types)s 之一。", where=where,
                          types="、".join(type_label(t) for t in FIELD_TYPES)))
        return
    _check_label(field.get("label"), _("标题"), where, problems)
    _check_label(field.get("help"), _("说明"), where, problems, MAX_HELP, required=False)
    if not isinstance(field.get("required", False), bool):
        problems.append(_("%(where)s的“必填”只能是是或否。", where=where))
    _check_bounds(field, where, problems)
    _check_text_rules(field, where, problems)
    _check_options(field, where, problems)


def _check_decisions(decisions, problems):
    if decisions is None or decisions == []:
        return
    if not isinstance(decisions, list) or len(decisions) > MAX_DECISIONS:
        problems.append(_("审核决定最多 %(n)s 个。", n=MAX_DECISIONS))
        return
    seen = set()
    for number, decision in enumerate(decisions, 1):
        where = _("第 %(n)s 个审核决定", n=number)
        if not isinstance(decision, dict) or set(decision) - {"value", "label", "comment_required"}:
            problems.append(_("%(where)s格式不对。", where=where))
            continue
        value = decision.get("value")
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            problems.append(_("%(where)s的取值必须以小写英文字母开头，只含小写字母、数字和下划线（例如 approve、return）。", where=where))
        elif value in seen:
            problems.append(_("%(where)s的取值 %(value)s 重复了。", where=where, value=value))
        seen.add(value)
        _check_label(decision.get("label"), _("名称"), where, problems)
        if not isinstance(decision.get("comment_required", False), bool):
            problems.append(_("%(where)s的“须写明原因”只能是是或否。", where=where))


def check_schema(schema):
    """The schema as stored (normalised), or SchemaError with every problem in Chinese."""
    problems = []
    if not isinstance(schema, dict) or set(schema) - {"fields", "decisions"}:
        raise SchemaError([_("表单格式不对：只能包含字段（fields）和审核决定（decisions）。")])
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        problems.append(_("表单至少要有一个字段。"))
        fields = []
    if len(fields) > MAX_FIELDS:
        problems.append(_("字段太多（最多 %(n)s 个）。", n=MAX_FIELDS))
    keys = set()
    for index, field in enumerate(fields):
        _check_field(field, index, keys, problems)
    _check_decisions(schema.get("decisions"), problems)
    if problems:
        raise SchemaError(problems)
    stored = {"fields": [_normalised(field) for field in fields]}
    if schema.get("decisions"):
        stored["decisions"] = [{"value": d["value"], "label": _label(d["label"]),
                                "comment_required": bool(d.get("comment_required"))} for d in schema["decisions"]]
    return stored


def _label(value):
    return {"zh": (value.get("zh") or "").strip(), "en": (value.get("en") or "").strip()}


def _normalised(field):
    """A checked field with only the settings its type uses, labels trimmed."""
    kept = {"key": field["key"], "type": field["type"], "label": _label(field["label"]),
            "required": bool(field.get("required"))}
    if field.get("help") and any((field["help"].get(lang) or "").strip() for lang in ("zh", "en")):
        kept["help"] = _label(field["help"])
    for name in ("min", "max", "max_length", "pattern"):
        if field.get(name) not in (None, ""):
            kept[name] = field[name]
    if field["type"] in ("select", "radio"):
        kept["options"] = [{"value": o["value"], "label": _label(o["label"])} for o in field["options"]]
    return kept


def type_label(kind):
    """The Chinese name of a field type (messages and the builder)."""
    return str(TYPE_LABELS.get(kind, kind))


def _parse_date(text):
    if not _DATE.match(text or ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None



def _number(text):
    """A posted number as int (when whole) or float, or None when it is not a finite number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) > Decimal(10) ** 15:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _value_of(field, raw, language):
    """(stored value, problem message or None) of one posted text for ``field``."""
    kind, label = field["type"], text_of(field["label"], language)
    text = raw.strip()
    if kind == "number":
        value = _number(text)
        if value is None:
            return None, _("「%(label)s」必须是数字。", label=label)
        if "min" in field and value < field["min"]:
            return None, _("「%(label)s」不能小于 %(n)s。", label=label, n=field["min"])
        if "max" in field and value > field["max"]:
            return None, _("「%(label)s」不能大于 %(n)s。", label=label, n=field["max"])
        return value, None
    if kind == "date":
        value = _parse_date(text)
        if value is None:
            return None, _("「%(label)s」必须是日期（例如 2026-01-31）。", label=label)
        if "min" in field and text < field["min"]:
            return None, _("「%(label)s」不能早于 %(d)s。", label=label, d=field["min"])
        if "max" in field and text > field["max"]:
            return None, _("「%(label)s」不能晚于 %(d)s。", label=label, d=field["max"])
        return text, None
    if kind in ("select", "radio"):
        if text not in {option["value"] for option in field["options"]}:
            return None, _("「%(label)s」的选择不在表单的选项中。", label=label)
        return text, None
    if kind == "id_number":
        result = normalize_id(text)
        if not result.ok:
            return None, _("「%(label)s」不是有效的公民身份号码：%(reason)s。", label=label,
                           reason="；".join(issue.message for issue in result.errors))
        return result.canonical, None
    if kind == "phone":
        if not _PHONE.match(text.replace(" ", "")):
            return None, _("「%(label)s」不是有效的电话号码（手机 11 位，或带区号的固定电话）。", label=label)
        return text.replace(" ", ""), None
    limit = field.get("max_length", DEFAULT_MAX_LENGTH.get(kind, MAX_TEXT))
    if len(text) > limit:
        return None, _("「%(label)s」太长（最多 %(n)s 个字）。", label=label, n=limit)
    if field.get("pattern") and not re.fullmatch(field["pattern"], text):
        return None, _("「%(label)s」的格式不对。", label=label)
    return text, None


def check_values(schema, posted, language="zh"):
    """(values, decision, comment, problems) of a posted task form, checked against ``schema``.

    ``posted``: {name: text} of everything the browser sent except the CSRF token. A name the
    schema does not define, a second value of one field, a choice outside the options, a wrong
    type, a missing required value, a value out of range or an invalid ID number is a problem;
    ``values`` is then not to be saved. A checkbox not sent is False.
    """
    problems, values = [], {}
    fields = {field["key"]: field for field in schema["fields"]}
    decisions = {d["value"]: d for d in schema.get("decisions", [])}
    allowed = set(fields) | ({DECISION_FIELD, COMMENT_FIELD} if decisions else set())
    unknown = sorted(name for name in posted if name not in allowed)
    if unknown:
        problems.append(_("提交的内容含有表单中没有的字段（%(names)s），未保存：请刷新页面后重新填写。",
                          names="、".join(unknown[:5])))
    for key, field in fields.items():
        raw = posted.get(key)
        if isinstance(raw, list):
            problems.append(_("「%(label)s」提交了多个值。", label=text_of(field["label"], language)))
            continue
        if field["type"] == "checkbox":
            if raw not in (None, "", "y", "on", "1", "true"):
                problems.append(_("「%(label)s」只能勾选或不勾选。", label=text_of(field["label"], language)))
                continue
            values[key] = raw not in (None, "")
            if field.get("required") and not values[key]:
                problems.append(_("请勾选「%(label)s」。", label=text_of(field["label"], language)))
            continue
        if raw is None or not raw.strip():
            if field.get("required"):
                problems.append(_("请填写「%(label)s」。", label=text_of(field["label"], language)))
            values[key] = None
            continue
        value, problem = _value_of(field, raw, language)
        if problem:
            problems.append(problem)
        values[key] = value
    decision = comment = None
    if decisions:
        decision, comment = posted.get(DECISION_FIELD), posted.get(COMMENT_FIELD) or ""
        if isinstance(decision, list) or isinstance(comment, list):
            problems.append(_("审核意见提交了多个值。"))
        elif decision not in decisions:
            problems.append(_("请选择审核意见。") if not decision else _("审核意见不在表单的选项中。"))
        elif decisions[decision].get("comment_required") and not comment.strip():
            problems.append(_("选择“%(decision)s”时必须写明原因。", decision=text_of(decisions[decision]["label"], language)))
        elif len(comment) > MAX_COMMENT:
            problems.append(_("意见说明太长（最多 %(n)s 个字）。", n=MAX_COMMENT))
        comment = comment.strip() if isinstance(comment, str) else ""
    return values, decision, comment, problems
