"""Value vocabularies: department words to codes, per source; users' choices; unknown words; total rows."""
from datetime import date

import pytest

from webapp.idnumber import make_id
from webapp.synthetic import words as generator_words
from webapp.synthetic.answer_key import KEY_FILE
from webapp.synthetic.generator import generate_county
from webapp.intake.mapping import SOURCES
from webapp.intake.validate import ERROR, RowValidator, is_summary_row
from webapp.intake.vocabulary import ROW_ERROR, VOCABULARIES, value_key, word_table

ONE = make_id("341721", date(1960, 5, 1), 11)
TWO = make_id("341721", date(1955, 2, 3), 22)


@pytest.mark.parametrize("kind, source, words, code", [
    ("enroll_status", "social_insurance", ["正常", "正常参保", "参保缴费", "在缴", "1"], "active"),
    ("enroll_status", "health", ["暂停", "中断", "停保", "暂停缴费（中断）"], "suspended"),
    ("enroll_status", "social_insurance", ["终止", "注销", "死亡注销", "3"], "terminated"),
    ("benefit_status", "social_insurance", ["领取", "正常领取", "待遇领取", "享受待遇", " 正常享受 "], "paid"),
    ("benefit_status", "social_insurance", ["未领取", "停发", "终止发放", "2"], "not_paid"),
    ("sex", "public_security", ["男", "1", "M", "m", "男性", 1, 1.0], "M"),
    ("sex", "health", ["女", "2", "F", "女性", 2.0], "F"),
    ("hukou_type", "public_security", ["农业", "农业户口"], "agricultural"),
    ("hukou_type", "public_security", ["非农业", "城镇"], "non_agricultural"),
    ("hukou_type", "public_security", ["居民", "统一居民户口"], "resident"),
    ("person_status", "public_security", ["正常", "在册", "1"], "normal"),
    ("person_status", "public_security", ["死亡", "死亡注销"], "deceased"),
    ("nationality", "health", ["中国", "中华人民共和国", "CHN", "156"], "CHN"),
    ("relation", "public_security", ["户主", "本人", "妻", "长子"], None),
    ("org_status", "market_supervision", ["存续（在营、开业、在册）", "在营", "1"], "active"),
    ("org_status", "civil_affairs", ["注销", "撤销", "注销登记"], "cancelled"),
    ("scheme", "social_insurance", ["新农保", "城乡居民养老保险", "城居保", "170"], "resident_pension"),
])
def test_department_words_map_to_codes(kind, source, words, code):
    table = word_table(kind, source)
    got = [table.get(value_key(word)) for word in words]
    if code is None:
        assert got == ["户主", "户主", "配偶", "子"]
    else:
        assert got == [code] * len(words)


def test_a_word_means_what_its_source_says():
    # '1' is 'paying' in a social insurance status column, 'normal' in a register status column.
    assert word_table("enroll_status", "social_insurance")["1"] == "active"
    assert "1" not in word_table("enroll_status", "market_supervision")
    assert word_table("contribution_status", "social_insurance")["2"] == "not_paying"


def test_every_coded_field_has_a_vocabulary_with_labels():
    coded = {f.kind for source in SOURCES.values() for f in source.fields if f.kind in VOCABULARIES}
    assert {"sex", "scheme", "enroll_status", "benefit_status", "contribution_status", "person_status",
            "register_kind", "hukou_type", "nationality", "relation", "org_status"} <= coded
    for vocabulary in VOCABULARIES.values():
        assert vocabulary.what and all(label for label in vocabulary.labels().values())


def _validate(rows, value_mapping=None, headers=("身份证号", "姓名", "险种", "待遇状态")):
    mapping = {"身份证号": "id_number", "姓名": "name", "险种": "scheme", "待遇状态": "benefit_status"}
    validator = RowValidator("social_insurance", mapping, headers=list(headers), value_mapping=value_mapping,
                             today=date(2017, 6, 30))
    chunk = validator.validate_chunk(list(range(2, 2 + len(rows))), [list(r) for r in rows])
    return validator, chunk


ROWS = [(ONE, "甲一", "城乡居民养老保险", "按月领取中"), (TWO, "乙二", "城乡居民养老保险", "按月领取中"),
        (ONE, "甲一", "居民医保", "乱码"), (TWO, "乙二", "居民医保", "不详"), (ONE, "甲一", "职工医保", "领取")]


def test_unknown_words_are_collected_with_counts_and_rows_not_guessed():
    validator, chunk = _validate(ROWS)
    assert validator.unknown_values == {"benefit_status": {"按月领取中": [2, [2, 3]], "乱码": [1, [4]],
                                                           "不详": [1, [5]]}}
    assert chunk.columns["benefit_status"] == [None, None, None, None, "paid"]


def test_a_users_choices_map_leave_empty_or_make_the_row_an_error():
    choices = {"benefit_status": {"按月领取中": "paid", "不详": None, "乱码": ROW_ERROR}}
    validator, chunk = _validate(ROWS, choices)
    assert validator.unknown_values == {}
    assert chunk.columns["benefit_status"] == ["paid", "paid", None, None, "paid"]
    # The row marked as an error is not anybody's any more, and the report says why.
    assert chunk.columns["id_number"] == [ONE, TWO, None, TWO, ONE] and chunk.id_problems == {}
    assert [(i.row, i.severity, i.code) for i in chunk.issues] == [(4, ERROR, "value_marked_error")]


@pytest.mark.parametrize("cells, summary", [
    (["合计", "6002人", None, ""], True), (["", "合 计：", "5,024"], True), (["小计", None], True),
    ([None, "共6002人"], True), (["6002", None, None], True), (["总计", "3条"], True),
    ([ONE[:17], "甲一", "城乡居民养老保险"], False), (["", "", ""], False), (["12", "张三", "男"], False),
])
def test_summary_rows_are_recognised(cells, summary):
    assert is_summary_row(cells) is summary


def test_summary_rows_are_skipped_with_a_note_not_made_problems():
    rows = ROWS[-1:] + [("合计", "6002人", None, None), ("", "", "", "小计 2"), ("3.41721E+17", "丙三", "居民医保", "领取")]
    validator, chunk = _validate(rows)
    assert validator.skipped_rows == [(3, "合计 6002人"), (4, "小计 2")]
    assert chunk.numbers == [2, 5] and [i.code for i in chunk.issues] == ["excel_scientific"]


def test_every_generated_spelling_is_in_the_vocabulary():
    kinds = {"sex": ("sex", "health"), "person_status": ("person_status", "public_security"),
             "register_kind": ("register_kind", "public_security"), "enroll_status": ("enroll_status", "health"),
             "contribution": ("contribution_status", "social_insurance"),
             "benefit": ("benefit_status", "social_insurance"), "hukou_type": ("hukou_type", "public_security")}
    canonical = {"户籍人口": "registered", "流动人口": "non_registered", "正常参保": "active", "暂停缴费": "suspended",
                 "终止参保": "terminated", "正常缴费": "paying", "正常享受": "paid", "未享受": "not_paid",
                 "终止发放": "not_paid"}
    for group, spellings in generator_words.SPELLINGS.items():
        kind, source = kinds[group]
        table = word_table(kind, source)
        for word, variants in spellings.items():
            expected = "not_paying" if (group, word) == ("contribution", "暂停缴费") else canonical.get(word, word)
            for variant in variants:
                assert table.get(value_key(variant)) == expected, (group, variant)
    for group, word, unlisted in generator_words.UNLISTED.values():
        assert value_key(unlisted) not in word_table(kinds[group][0], kinds[group][1])


def test_worded_files_keep_the_answer_key(tmp_path):
    plain = generate_county(tmp_path / "plain", people=400, seed=3, as_of=date(2017, 6, 30), workers=1,
                            word_variants=False)
    messy = generate_county(tmp_path / "messy", people=400, seed=3, as_of=date(2017, 6, 30), workers=1,
                            unlisted_words=True, odd_headers=True, total_rows=True)
    assert (tmp_path / "plain" / KEY_FILE).read_bytes() == (tmp_path / "messy" / KEY_FILE).read_bytes()
    assert plain["counts"] == messy["counts"] and plain["files"] == messy["files"]
    plain_si = (tmp_path / "plain" / "social_insurance_enrollment.csv").read_text(encoding="utf-8")
    messy_si = (tmp_path / "messy" / "social_insurance_enrollment.csv").read_text(encoding="utf-8")
    assert plain_si != messy_si and "按月领取中" in messy_si and messy_si.rstrip().endswith(",,,,")
