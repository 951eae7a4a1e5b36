"""The grouping rules: ordered, simple conditions on named attributes -> a priority group.

County staff read and edit them as text, one condition per line (``年龄 ≥ 16``, ``户口性质 = 农业户口``,
``职业 属于 务工、职工``); every condition of a rule must hold, the first rule that holds gives the
group, a target no rule takes is 其他. Stored as data ({"attr", "op", "value"}), checked against the
attribute list below, and applied as one SQL ``CASE`` over a run's targets: nothing a user types
is ever run as code.
"""
import re
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, case, false, update

from ...extensions import db
from ...models import ExpansionRule, ExpansionTarget
from ...models.base import utcnow
from . import tally

# The notice's priority groups: towns (城镇) first, then the countryside (农村).
GROUPS = (
    ("enterprise_employee", _l("私营企业和小微企业从业人员"), "town"),
    ("migrant_worker", _l("农民工"), "town"),
    ("unemployed", _l("城镇失业人员"), "town"),
    ("flexible", _l("灵活就业人员"), "town"),
    ("mobile", _l("流动就业人员"), "town"),
    ("farmer", _l("农村居民"), "countryside"),
    ("other", _l("其他未参保人员"), None),
)
GROUP_CODES = tuple(code for code, _label, _where in GROUPS)
FALLBACK = "other"
MAX_RULES, MAX_CONDITIONS = 50, 8


@dataclass(frozen=True)
class Attribute:
    """A named attribute of a target the rules may test."""

    code: str
    label: object
    kind: str  # number / choice / bool / text
    column: str
    choices: tuple = ()  # (code, label) of a choice attribute


ATTRIBUTES = (
    Attribute("age", _l("年龄"), "number", "age"),
    Attribute("sex", _l("性别"), "choice", "sex", (("M", _l("男")), ("F", _l("女")))),
    Attribute("hukou_type", _l("户口性质"), "choice", "hukou_type",
              (("agricultural", _l("农业户口")), ("non_agricultural", _l("非农业户口")), ("unknown", _l("未知")))),
    Attribute("occupation", _l("职业"), "text", "occupation"),
    Attribute("migrant", _l("流动人口"), "bool", "registered"),
    Attribute("works_away", _l("现居住地在县外"), "bool", "works_away"),
    Attribute("former_employer", _l("曾由单位参保"), "bool", "former_employer"),
    Attribute("missing", _l("缺少险种"), "choice", "missing",
              (("pension", _l("缺养老")), ("medical", _l("缺医疗")), ("pension;medical", _l("缺养老和医疗")))),
    Attribute("area_kind", _l("地区类型"), "choice", "area_kind",
              (("town", _l("城镇（社区）")), ("countryside", _l("农村（村）")))),
)
ATTRS = {a.code: a for a in ATTRIBUTES}
OPERATORS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": _l("属于"), "contains": _l("包含")}
_OPS_BY_KIND = {"number": ("eq", "ne", "lt", "le", "gt", "ge"), "choice": ("eq", "ne", "in"), "bool": ("eq",),
                "text": ("eq", "ne", "in", "contains")}
_TYPED_OPS = {"=": "eq", "≠": "ne", "!=": "ne", "<>": "ne", "<": "lt", "≤": "le", "<=": "le", ">": "gt", "≥": "ge",
              ">=": "ge", "属于": "in", "包含": "contains", "in": "in", "contains": "contains"}
# After the attribute's name: the operator and the value (English words need a space around them).
_REST = re.compile(r"^\s*(属于|包含|!=|<>|<=|>=|≠|≤|≥|=|<|>|in(?=\s)|contains(?=\s))\s*(.+?)\s*$", re.IGNORECASE)
_FIRST_WORD = re.compile(r"^\s*([^\s=<>!≠≤≥]+)")
_LIST_SPLIT = re.compile(r"[、,，;；]\s*")
_TRUE, _FALSE = ("是", "true", "yes", "1"), ("否", "false", "no", "0")


class RuleRefused(ValueError):
    """A rule cannot be saved; the message says why in the user's language."""


# The notice's groups as the shipped starting point; county staff change them on the rules page.
DEFAULT_RULES = (
    ("mobile", [("migrant", "eq", True)]),
    ("migrant_worker", [("hukou_type", "eq", "agricultural"), ("works_away", "eq", True)]),
    ("migrant_worker", [("occupation", "eq", "务工"), ("hukou_type", "eq", "agricultural")]),
    ("enterprise_employee", [("occupation", "in", ["职工", "工人", "企业职工"])]),
    ("unemployed", [("former_employer", "eq", True), ("age", "lt", 60)]),
    ("unemployed", [("occupation", "eq", "无业"), ("area_kind", "eq", "town"), ("age", "ge", 16), ("age", "lt", 60)]),
    ("flexible", [("occupation", "in", ["个体", "自由职业", "灵活就业"])]),
    ("mobile", [("works_away", "eq", True)]),
    ("farmer", [("area_kind", "eq", "countryside")]),
    ("farmer", [("hukou_type", "eq", "agricultural")]),
)


def group_label(code):
    """The label of a group code (the code itself when unknown)."""
    return next((str(label) for each, label, _where in GROUPS if each == code), code)


def rules_of(county_code):
    """The county's rules in order; the shipped defaults are stored the first time they are asked for."""
    rules = ExpansionRule.query.filter_by(county_code=county_code).order_by(ExpansionRule.position,
                                                                            ExpansionRule.id).all()
    if rules or ExpansionRule.query.filter_by(county_code=county_code).count():
        return rules
    for position, (group, conditions) in enumerate(DEFAULT_RULES, start=1):
        db.session.add(ExpansionRule(county_code=county_code, position=position, group_code=group,
                                     conditions=[{"attr": a, "op": o, "value": v} for a, o, v in conditions]))
    db.session.flush()
    return rules_of(county_code)


# -- text <-> conditions -----------------------------------------------------------------------

def _value_text(attr, value):
    if attr.kind == "bool":
        return _("是") if value else _("否")
    if attr.kind == "choice":
        labels = dict(attr.choices)
        values = value if isinstance(value, list) else [value]
        return "、".join(str(labels.get(v, v)) for v in values)
    return "、".join(str(v) for v in value) if isinstance(value, list) else str(value)


def condition_text(condition):
    """One stored condition as the line a user reads and edits (``年龄 ≥ 16``)."""
    attr = ATTRS.get(condition.get("attr"))
    if attr is None:
        return ""
    return f"{attr.label} {OPERATORS[condition['op']]} {_value_text(attr, condition['value'])}"


def rule_text(rule):
    """A rule's conditions as text, one per line."""
    return "\n".join(condition_text(c) for c in rule.conditions or [])


def _split_line(line, number):
    """(attribute, rest of the line): attribute names may hold spaces (English), so match known names."""
    names = sorted(((name, attr) for attr in ATTRIBUTES for name in (attr.code, str(attr.label))),
                   key=lambda pair: -len(pair[0]))
    for name, attr in names:
        if line.lower().startswith(name.lower()):
            return attr, line[len(name):]
    word = _FIRST_WORD.match(line)
    _unknown_attribute(word.group(1) if word else line, number)


def _unknown_attribute(name, number):
    raise RuleRefused(_("第 %(n)s 行：没有名为“%(name)s”的属性。可用的属性：%(names)s。", n=number, name=name,
                        names="、".join(str(a.label) for a in ATTRIBUTES)))


def _choice_value(attr, text, number):
    for code, label in attr.choices:
        if text in (code, str(label)):
            return code
    raise RuleRefused(_("第 %(n)s 行：“%(attr)s”没有“%(value)s”这一项，可选：%(options)s。", n=number,
                        attr=attr.label, value=text, options="、".join(str(label) for _c, label in attr.choices)))


def _value(attr, op, text, number):
    if op == "in":
        parts = [p for p in _LIST_SPLIT.split(text) if p]
        if not parts or len(parts) > 20:
            raise RuleRefused(_("第 %(n)s 行：“属于”后面请列出 1 至 20 个值，用顿号分隔。", n=number))
        return [_value(attr, "eq", part, number) for part in parts]
    if attr.kind == "number":
        if not re.fullmatch(r"\d{1,3}", text):
            raise RuleRefused(_("第 %(n)s 行：“%(attr)s”应填 0 至 150 之间的整数。", n=number, attr=attr.label))
        value = int(text)
        if value > 150:
            raise RuleRefused(_("第 %(n)s 行：“%(attr)s”应填 0 至 150 之间的整数。", n=number, attr=attr.label))
        return value
    if attr.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise RuleRefused(_("第 %(n)s 行：“%(attr)s”只能填“是”或“否”。", n=number, attr=attr.label))
    if attr.kind == "choice":
        return _choice_value(attr, text, number)
    if len(text) > 32:
        raise RuleRefused(_("第 %(n)s 行：值太长（最多 32 个字）。", n=number))
    return text


def parse_conditions(text):
    """The conditions of a rule typed as text; raises RuleRefused naming the line and what to change."""
    lines = [line.strip() for line in (text or "").splitlines()]
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line]
    if not numbered:
        raise RuleRefused(_("请至少写一个条件，例如“年龄 ≥ 16”。"))
    if len(numbered) > MAX_CONDITIONS:
        raise RuleRefused(_("一条规则最多 %(n)s 个条件。", n=MAX_CONDITIONS))
    conditions = []
    for number, line in numbered:
        attr, rest = _split_line(line, number)
        match = _REST.match(rest)
        if match is None:
            raise RuleRefused(_("第 %(n)s 行：看不懂“%(line)s”。请写成“属性 运算 值”，例如“年龄 ≥ 16”或"
                                "“职业 属于 务工、职工”。", n=number, line=line))
        typed_op, text_value = match.groups()
        op = _TYPED_OPS[typed_op.lower()]
        if op not in _OPS_BY_KIND[attr.kind]:
            raise RuleRefused(_("第 %(n)s 行：“%(attr)s”不能用“%(op)s”，可用：%(ops)s。", n=number, attr=attr.label,
                                op=typed_op, ops=" ".join(str(OPERATORS[o]) for o in _OPS_BY_KIND[attr.kind])))
        conditions.append({"attr": attr.code, "op": op, "value": _value(attr, op, text_value, number)})
    return conditions


# -- editing ------------------------------------------------------------------------------------

def _check_group(group_code):
    if group_code not in GROUP_CODES or group_code == FALLBACK:
        raise RuleRefused(_("请选择规则归入的重点人群。"))


def save_rule(county_code, rule_id, group_code, text, position, actor):
    """Create (``rule_id`` None) or change a rule; returns it. Raises RuleRefused with the reason."""
    _check_group(group_code)
    conditions = parse_conditions(text)
    if rule_id is None:
        if ExpansionRule.query.filter_by(county_code=county_code).count() >= MAX_RULES:
            raise RuleRefused(_("规则最多 %(n)s 条。", n=MAX_RULES))
        rule = ExpansionRule(county_code=county_code)
        db.session.add(rule)
    else:
        rule = ExpansionRule.query.filter_by(id=rule_id, county_code=county_code).one_or_none()
        if rule is None:
            raise RuleRefused(_("该规则已不存在。"))
    rule.group_code, rule.conditions = group_code, conditions
    rule.position = position if position is not None else _next_position(county_code)
    rule.updated_by_id, rule.updated_at = getattr(actor, "id", None), utcnow()
    db.session.flush()
    _renumber(county_code, rule)
    return rule


def _renumber(county_code, placed):
    """Positions 1..n again; the rule just placed goes before one already at its position."""
    ordered = sorted(ExpansionRule.query.filter_by(county_code=county_code).all(),
                     key=lambda r: (r.position, r.id != placed.id, r.id))
    for number, rule in enumerate(ordered, start=1):
        rule.position = number


def _next_position(county_code):
    last = db.session.query(db.func.max(ExpansionRule.position)).filter_by(county_code=county_code).scalar()
    return (last or 0) + 1


def delete_rule(county_code, rule_id):
    """Remove a rule of the county."""
    ExpansionRule.query.filter_by(id=rule_id, county_code=county_code).delete()


# -- applying -----------------------------------------------------------------------------------

def _sql_condition(condition):
    attr = ATTRS[condition["attr"]]
    column = getattr(ExpansionTarget, attr.column)
    op, value = condition["op"], condition["value"]
    if attr.code == "migrant":  # stored the other way round: registered residents are not migrants
        value = not value
    if attr.kind == "bool":
        return column.is_(bool(value))
    if attr.code == "hukou_type":
        # An unknown household type is stored empty.
        def one(v):
            return column.is_(None) if v == "unknown" else column == v
        if op == "in":
            return db.or_(*(one(v) for v in value))
        return one(value) if op == "eq" else db.not_(one(value))
    return {"eq": lambda: column == value, "ne": lambda: db.or_(column != value, column.is_(None)),
            "lt": lambda: column < value, "le": lambda: column <= value, "gt": lambda: column > value,
            "ge": lambda: column >= value, "in": lambda: column.in_(value),
            "contains": lambda: column.contains(value, autoescape=True)}[op]()


def group_expression(rules):
    """One SQL CASE giving each target its group under ``rules`` (first rule that holds wins)."""
    whens = [(and_(*(_sql_condition(c) for c in rule.conditions)), rule.group_code)
             for rule in rules if rule.conditions]
    return case(*whens, else_=FALLBACK) if whens else case((false(), FALLBACK), else_=FALLBACK)


def regroup(run_id, county_code):
    """Give every target of run ``run_id`` its group under the county's current rules; returns rows touched."""
    expression = group_expression(rules_of(county_code))
    result = db.session.execute(update(ExpansionTarget).where(ExpansionTarget.run_id == run_id)
                                .values(group_code=expression).execution_options(synchronize_session=False))
    tally.rebuild(run_id)
    return result.rowcount
