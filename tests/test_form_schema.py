"""Forms as data, the schema rules: what the form builder may save (each rule refused with a
Chinese message naming the field) and what a task may post (unknown keys, types, required,
options, ranges, lengths, patterns, ID number check characters)."""
import copy

import pytest

from webapp.form_schema import SchemaError, check_schema, check_values
from webapp.idnumber import make_id

GOOD = {"fields": [
    {"key": "income", "type": "number", "label": {"zh": "年收入", "en": "Annual income"}, "required": True,
     "min": 0, "max": 1000000, "help": {"zh": "单位：元", "en": "In yuan"}},
    {"key": "note", "type": "text", "label": {"zh": "备注", "en": "Note"}, "max_length": 10, "pattern": "[A-Z]+"},
    {"key": "story", "type": "textarea", "label": {"zh": "情况", "en": "Story"}},
    {"key": "visit_day", "type": "date", "label": {"zh": "走访日期", "en": "Visit date"}, "min": "2026-01-01",
     "max": "2026-12-31"},
    {"key": "insured", "type": "select", "label": {"zh": "参保情况", "en": "Insured"}, "required": True,
     "options": [{"value": "yes", "label": {"zh": "已参保", "en": "Insured"}},
                 {"value": "no", "label": {"zh": "未参保", "en": "Not insured"}}]},
    {"key": "kind", "type": "radio", "label": {"zh": "类别", "en": "Kind"},
     "options": [{"value": "a", "label": {"zh": "甲", "en": "A"}}]},
    {"key": "agreed", "type": "checkbox", "label": {"zh": "已告知", "en": "Informed"}, "required": True},
    {"key": "id_no", "type": "id_number", "label": {"zh": "身份号码", "en": "ID number"}},
    {"key": "mobile", "type": "phone", "label": {"zh": "电话", "en": "Phone"}},
], "decisions": [{"value": "approve", "label": {"zh": "通过", "en": "Approve"}},
                 {"value": "return", "label": {"zh": "退回", "en": "Return"}, "comment_required": True}]}
VALID_ID = make_id("341721", __import__("datetime").date(1980, 5, 6), 123)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _problems(schema):
    with pytest.raises(SchemaError) as err:
        check_schema(schema)
    return err.value.messages


def _with(index, **changes):
    schema = copy.deepcopy(GOOD)
    for name, value in changes.items():
        if value is None:
            schema["fields"][index].pop(name, None)
        else:
            schema["fields"][index][name] = value
    return schema


def test_a_good_schema_is_kept_normalised(ctx):
    stored = check_schema(GOOD)
    assert [f["key"] for f in stored["fields"]] == [f["key"] for f in GOOD["fields"]]
    assert stored["decisions"][1]["comment_required"] is True
    assert "options" not in stored["fields"][0] and stored["fields"][0]["help"]["en"] == "In yuan"


@pytest.mark.parametrize("changes, words", [
    ({"key": "Income"}, ["第 1 个字段「年收入」", "标识"]),
    ({"key": "_x"}, ["标识"]),
    ({"key": "household_id"}, ["系统保留"]),
    ({"key": "note"}, ["重复"]),
    ({"type": "file"}, ["类型不对"]),
    ({"label": {"zh": "年收入", "en": ""}}, ["缺少英文标题"]),
    ({"label": {"zh": "", "en": "x"}}, ["第 1 个字段", "缺少中文标题"]),
    ({"label": "年收入"}, ["格式不对"]),
    ({"min": "zero"}, ["必须是数字"]),
    ({"min": 10, "max": 1}, ["最小值大于最大值"]),
    ({"max_length": 5}, ["不能设置最大长度"]),
    ({"pattern": "x"}, ["不能设置格式"]),
    ({"options": [{"value": "a", "label": {"zh": "甲", "en": "A"}}]}, ["不能设置选项"]),
    ({"required": "yes"}, ["必填"]),
    ({"colour": "red"}, ["不认识的设置", "colour"]),
])
def test_each_field_rule_is_refused_naming_the_field(ctx, changes, words):
    messages = _problems(_with(0, **changes))
    assert any(all(word in message for word in words) for message in messages), messages


def test_text_date_and_choice_rules(ctx):
    assert any("最大长度" in m for m in _problems(_with(1, max_length=0)))
    assert any("写法有误" in m and "「备注」" in m for m in _problems(_with(1, pattern="[a-")))
    assert any("嵌套的重复" in m for m in _problems(_with(1, pattern="(a+)+$")))
    assert any("日期" in m and "「走访日期」" in m for m in _problems(_with(3, min="2026/01/01")))
    assert any("至少要有一个选项" in m for m in _problems(_with(4, options=[])))
    twice = [{"value": "yes", "label": {"zh": "是", "en": "Yes"}}] * 2
    assert any("重复" in m and "「参保情况」的第 2 个选项" in m for m in _problems(_with(4, options=twice)))
    bad_value = [{"value": "是", "label": {"zh": "是", "en": "Yes"}}]
    assert any("取值" in m for m in _problems(_with(5, options=bad_value)))
    no_en = [{"value": "a", "label": {"zh": "甲", "en": ""}}]
    assert any("「类别」的第 1 个选项缺少英文名称" in m for m in _problems(_with(5, options=no_en)))


def test_form_level_rules(ctx):
    assert any("至少要有一个字段" in m for m in _problems({"fields": []}))
    assert _problems({"fields": [], "script": "x"})  # nothing but fields and decisions
    too_many = {"fields": [dict(GOOD["fields"][2], key=f"f{n}") for n in range(61)]}
    assert any("字段太多" in m for m in _problems(too_many))
    bad = copy.deepcopy(GOOD)
    bad["decisions"][1]["value"] = "Return!"
    assert any("第 2 个审核决定" in m for m in _problems(bad))
    bad["decisions"][1] = {"value": "approve", "label": {"zh": "通过", "en": "Approve"}}
    assert any("重复" in m for m in _problems(bad))


def _post(**overrides):
    posted = {"income": "12000", "insured": "no", "agreed": "y", "_decision": "approve", "_comment": ""}
    posted.update(overrides)
    return {k: v for k, v in posted.items() if v is not None}


def test_a_good_post_gives_typed_values(ctx):
    schema = check_schema(GOOD)
    values, decision, comment, problems = check_values(schema, _post(id_no=VALID_ID, mobile="13800138000",
                                                                     visit_day="2026-03-01", note="ABC"))
    assert problems == []
    assert values["income"] == 12000 and values["agreed"] is True and values["id_no"] == VALID_ID
    assert values["story"] is None and values["kind"] is None and decision == "approve"
    assert check_values(schema, _post(income="12.5"))[0]["income"] == 12.5


@pytest.mark.parametrize("overrides, words", [
    ({"is_admin": "1"}, ["表单中没有的字段", "is_admin"]),
    ({"income": None}, ["请填写「年收入」"]),
    ({"income": "lots"}, ["「年收入」必须是数字"]),
    ({"income": "-1"}, ["不能小于"]),
    ({"income": "1000001"}, ["不能大于"]),
    ({"income": "nan"}, ["必须是数字"]),
    ({"insured": "maybe"}, ["不在表单的选项中"]),
    ({"kind": "b"}, ["「类别」的选择不在表单的选项中"]),
    ({"agreed": None}, ["请勾选「已告知」"]),
    ({"agreed": "yes please"}, ["只能勾选"]),
    ({"note": "ABCDEFGHIJK"}, ["太长"]),
    ({"note": "abc"}, ["格式不对"]),
    ({"story": "x" * 2001}, ["太长"]),
    ({"visit_day": "2025-12-31"}, ["不能早于"]),
    ({"visit_day": "2026-02-30"}, ["必须是日期"]),
    ({"id_no": VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")}, ["不是有效的公民身份号码"]),
    ({"mobile": "12345"}, ["不是有效的电话号码"]),
    ({"income": ["1", "2"]}, ["多个值"]),
    ({"_decision": "delete"}, ["审核意见不在表单的选项中"]),
    ({"_decision": None}, ["请选择审核意见"]),
    ({"_decision": "return", "_comment": " "}, ["必须写明原因"]),
])
def test_each_posted_rule(ctx, overrides, words):
    _values, _decision, _comment, problems = check_values(check_schema(GOOD), _post(**overrides))
    assert any(all(word in p for word in words) for p in problems), problems


def test_messages_name_fields_in_english_under_the_english_locale(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        schema = check_schema(GOOD)
        problems = check_values(schema, _post(income=None), "en")[3]
    assert any("Annual income" in p for p in problems), problems
