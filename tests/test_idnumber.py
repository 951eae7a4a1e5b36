"""Tests for webapp.idnumber (GB 11643-1999 citizen ID numbers)."""
from datetime import date

import pytest

from webapp.idnumber import (
    IdIssue, birth_date, check_char, make_id, mask_id, normalize_id, sex,
)

TODAY = date(2017, 6, 1)
# A known-valid ID: check character computed by hand from the weights.
VALID = make_id("341721", date(1980, 5, 17), 123)
assert VALID == "341721198005171235"


def codes(raw, today=TODAY):
    return normalize_id(raw, today=today).error_codes


def test_check_char_matches_published_example():
    # The GB 11643 standard's own example: 11010519491231002X.
    assert check_char("11010519491231002") == "X"
    assert normalize_id("11010519491231002X", today=TODAY).canonical == "11010519491231002X"


def test_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        check_char("1234")


def test_valid_id_is_canonical_and_ok():
    result = normalize_id(VALID, today=TODAY)
    assert result.ok and result.canonical == VALID
    assert result.errors == () and result.warnings == ()
    assert not result.upgraded_from_15


def test_lowercase_x_and_full_width_and_spaces_normalised():
    raw = "１１０１０５ 1949\u30001231\u00a0002ｘ "
    result = normalize_id(raw, today=TODAY)
    assert result.canonical == "11010519491231002X"
    assert normalize_id("11010519491231002x", today=TODAY).canonical == "11010519491231002X"
    # Exactly 18 full-width characters: must not slip through the fast path.
    assert normalize_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).canonical == "11010519491231002X"
    assert normalize_id("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", today=TODAY).error_codes == ("bad_chars",)


def test_bad_check_char_is_error_with_message():
    wrong = VALID[:17] + "3"
    result = normalize_id(wrong, today=TODAY)
    assert not result.ok and result.canonical is None
    assert result.error_codes == ("check_char",)
    assert result.errors[0].message == "校验位错误：应为 5，实为 3"
    assert result.cleaned == wrong


@pytest.mark.parametrize("birth", ["19991332", "19990230", "20010229", "19990001"])
def test_impossible_birth_date_is_error(birth):
    first17 = "341721" + birth + "123"
    result = normalize_id(first17 + check_char(first17), today=TODAY)
    assert result.error_codes == ("birth_date_invalid",)
    assert birth in result.errors[0].message


def test_leap_day_is_valid():
    assert normalize_id(make_id("341721", date(2000, 2, 29), 1), today=TODAY).ok


def test_future_and_too_early_birth_dates():
    future = make_id("341721", date(2017, 6, 2), 1)
    assert codes(future) == ("birth_date_future",)
    assert normalize_id(future, today=date(2017, 6, 2)).ok
    assert codes(make_id("341721", date(1899, 12, 31), 1)) == ("birth_date_too_early",)


def test_fifteen_digit_upgrade():
    legacy = "341721800517123"
    result = normalize_id(legacy, today=TODAY)
    assert result.ok and result.upgraded_from_15
    assert result.canonical == make_id("341721", date(1980, 5, 17), 123)
    assert "upgraded_15" in result.warning_codes
    assert result.cleaned == legacy


def test_fifteen_digit_with_bad_date_is_error():
    assert codes("341721801317123") == ("birth_date_invalid",)


@pytest.mark.parametrize("raw", ["3.41721E+17", "3.41721198005171E+17", "3.41721e17",
                                 " 3.41721E+17 ", "３．４１７２１Ｅ＋１７"])
def test_scientific_notation_is_excel_error(raw):
    result = normalize_id(raw, today=TODAY)
    assert result.error_codes == ("excel_scientific",)
    assert result.errors[0].message == "疑被 Excel 转为数字（科学计数法），请以文本格式导出"


def test_float_input_is_always_error():
    assert codes(3.41721198005171e17) == ("excel_number",)
    assert codes(341721800517123.0) == ("excel_number",)


def test_long_int_is_excel_error_and_short_int_accepted_with_warning():
    assert codes(int(VALID)) == ("excel_number",)
    assert codes(341721198005171000) == ("excel_number",)
    legacy = normalize_id(341721800517123, today=TODAY)
    assert legacy.ok and "stored_as_number" in legacy.warning_codes


def test_trailing_decimal_is_error():
    assert codes(VALID + ".0") == ("excel_decimal",)
    assert codes("341721800517123.0") == ("excel_decimal",)


def test_seventeen_digits_is_error():
    result = normalize_id(VALID[:17], today=TODAY)
    assert result.error_codes == ("length_17",)
    assert result.errors[0].message.startswith("位数错误：17 位，应为 18 位")


@pytest.mark.parametrize("raw,code", [
    ("", "empty"), ("   ", "empty"), (None, "empty"),
    ("12345", "length"), ("3417211980051712345", "length"),
    ("34172119800517A23X", "bad_chars"), ("3417211980X5171234", "x_position"),
    (True, "unsupported_type"), ([1], "unsupported_type"),
])
def test_other_errors(raw, code):
    assert codes(raw) == (code,)


def test_unknown_province_is_warning_only():
    result = normalize_id(make_id("991721", date(1980, 5, 17), 5), today=TODAY)
    assert result.ok
    assert result.warning_codes == ("unknown_province",)
    assert "99" in result.warnings[0].message


@pytest.mark.parametrize("prefix", ["11", "15", "21", "23", "31", "37", "41", "46", "50",
                                    "54", "61", "65", "71", "81", "82"])
def test_known_provinces_have_no_warning(prefix):
    assert normalize_id(make_id(prefix + "0101", date(1980, 1, 1), 5), today=TODAY).warnings == ()


def test_issue_is_code_and_message():
    issue = normalize_id("12345", today=TODAY).errors[0]
    assert isinstance(issue, IdIssue)
    code, message = issue
    assert code == "length" and str(issue) == message == "位数错误：5 位，应为 18 位"


def test_helpers():
    assert birth_date(VALID) == date(1980, 5, 17)
    assert sex(VALID) == "M"
    assert sex(make_id("341721", date(1980, 5, 17), 124)) == "F"
    assert mask_id("34172119800517123X") == "341721********123X"
    assert mask_id(None) == ""
    with pytest.raises(ValueError):
        make_id("3417", date(1980, 1, 1), 1)
    with pytest.raises(ValueError):
        make_id("341721", date(1980, 1, 1), 1000)


def test_default_today_is_real_today():
    assert normalize_id(VALID).ok


def test_clean_canonical_fast_path():
    from webapp.idnumber import clean_canonical

    assert clean_canonical(VALID, today=TODAY) == VALID
    for messy in (VALID[:17] + "3", VALID.lower() + " ", "341721800517123", 341721198005171235,
                  make_id("991721", date(1980, 5, 17), 5), "１１０１０５１９４９１２３１００２Ｘ", None):
        assert clean_canonical(messy, today=TODAY) is None
