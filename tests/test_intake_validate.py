"""Row validation: IDs, dates, status words, credit codes, cross-checks."""
from datetime import date, datetime

import pytest

from webapp.intake import values
from webapp.intake.readers import RawRow
from webapp.intake.validate import RowValidator, check_credit_code, credit_code_check_char

TODAY = date(2017, 6, 1)
DONGZHI = ("341721", "东至县")  # the test county: the pure core has no county built in


@pytest.mark.parametrize("raw", ["2017-03-05", "2017/3/5", "20170305", "2017年3月5日", "2017.3.5",
                                 " 2017-03-05 ", "２０１７－０３－０５", "2017-03-05 00:00:00", 42799, 42799.0,
                                 "42799", datetime(2017, 3, 5, 8, 30), date(2017, 3, 5)])
def test_dates_in_every_department_format(raw):
    assert values.parse_date(raw) == (date(2017, 3, 5), None)


@pytest.mark.parametrize("raw", ["2017-02-30", "20171305", "明年", "2017", True])
def test_bad_dates_are_reported(raw):
    parsed, problem = values.parse_date(raw)
    assert parsed is None and problem


def test_months_compare_as_month_ends():
    assert values.parse_month("2017-05") == (date(2017, 5, 31), None)
    assert values.parse_month("201702") == (date(2017, 2, 28), None)
    assert values.parse_month("2017年5月") == (date(2017, 5, 31), None)
    assert values.parse_month("2017-05-10") == (date(2017, 5, 10), None)
    assert values.parse_month("201713")[0] is None


def test_insured_place_scope():
    assert values.parse_place("东至县", *DONGZHI) == ("local", None)
    assert values.parse_place("本县", *DONGZHI) == ("local", None)
    assert values.parse_place("341721", *DONGZHI) == ("local", None)
    assert values.parse_place("池州市贵池区", *DONGZHI) == ("province", None)
    assert values.parse_place("340102", *DONGZHI) == ("province", None)
    assert values.parse_place("浙江省杭州市", *DONGZHI) == ("other_province", None)
    assert values.parse_place("上海市", *DONGZHI) == ("other_province", None)
    assert values.parse_place("外省", *DONGZHI) == ("other_province", None)
    # Areas are data: another county sees Dongzhi as elsewhere in the province.
    assert values.parse_place("东至县", "341702", "贵池区") == ("province", None)


def test_credit_codes():
    first17 = "91341721MA2N0ABC1"
    good = first17 + credit_code_check_char(first17)
    assert check_credit_code(good) == (good, None, None)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    code, problem, severity = check_credit_code(wrong)
    assert code is None and "校验位错误" in problem and severity == "error"
    assert check_credit_code("342921000012345")[2] == "warning"  # old 15-digit registration number


def _validate(source, cells, today=TODAY):
    validator = RowValidator(source, {h: f for h, f in cells.keys()}, today=today,
                             county_code=DONGZHI[0], county_name=DONGZHI[1])
    return validator.validate(RawRow(7, {h: v for (h, _), v in cells.items()}))


def test_mangled_ids_are_errors_in_the_report():
    for raw, code in [("3.41721E+17", "excel_scientific"), (3.41721198005171e17, "excel_number"),
                      ("34172119800517123", "length_17"), ("341721198005171235.0", "excel_decimal"),
                      ("341721198005171233", "check_char")]:
        row = _validate("health", {("身份证号", "id_number"): raw, ("姓名", "name"): "张三"})
        assert row.values["id_number"] is None
        assert row.id_errors == (code,)
        issue = row.issues[0]
        assert (issue.row, issue.column, issue.severity, issue.code) == (7, "身份证号", "error", code)
        assert issue.value == str(raw)


def test_valid_row_is_typed_and_clean():
    row = _validate("social_insurance", {
        ("社会保障号码", "id_number"): "34172119800517123５", ("姓名", "name"): "张三",
        ("险种", "scheme"): "城乡居民养老保险", ("参保状态", "enroll_status"): "暂停缴费",
        ("待遇状态", "benefit_status"): "正常享受", ("待遇发放至", "benefit_paid_until"): "201705",
        ("参保地", "insured_place"): "江苏省苏州市", ("性别", "sex"): "男", ("出生日期", "birth_date"): "1980/5/17"})
    assert row.issues == []
    assert row.values == {
        "id_number": "341721198005171235", "name": "张三", "scheme": "resident_pension",
        "enroll_status": "suspended", "benefit_status": "paid", "benefit_paid_until": date(2017, 5, 31),
        "insured_place": "other_province", "sex": "M", "birth_date": date(1980, 5, 17)}


def test_unknown_words_and_cross_check_warnings():
    row = _validate("public_security", {
        ("身份证号", "id_number"): "341721198005171235", ("姓名", "name"): "张三",
        ("性别", "sex"): "女", ("出生日期", "birth_date"): "1980-05-18", ("人员状态", "person_status"): "失踪",
        ("死亡日期", "death_date"): "2016-01-01"})
    by_code = {i.code: i for i in row.issues}
    assert by_code["bad_person_status"].severity == "error"
    assert by_code["bad_person_status"].problem == "人员状态无法识别：失踪"
    assert by_code["sex_mismatch"].severity == "warning"
    assert by_code["birth_mismatch"].severity == "warning"
    assert row.values["person_status"] is None


def test_missing_required_value_and_fifteen_digit_warning():
    row = _validate("social_insurance", {("身份证号", "id_number"): "341721800517123", ("姓名", "name"): None,
                                         ("险种", "scheme"): "商业保险"})
    assert row.values["id_number"] == "341721198005171235"
    codes = sorted((i.code, i.severity) for i in row.issues)
    assert codes == [("bad_scheme", "error"), ("missing", "error"), ("upgraded_15", "warning")]


def test_household_number_stored_as_number_is_a_warning():
    row = _validate("public_security", {("身份证号", "id_number"): "341721198005171235",
                                        ("姓名", "name"): "张三", ("户号", "household_no"): 1000010001.0})
    assert row.values["household_no"] == "1000010001"
    assert [i.code for i in row.issues] == ["bad_code"]
    assert row.issues[0].severity == "warning"
