"""The comparison on small hand-made files: every rule and every problem type."""
from datetime import date

import pytest

from webapp.idnumber import make_id
from webapp.intake.compare import (
    CONFIRMED, NOT_TARGET, PROBLEM, UNINSURED, compare, group_uninsured_by_household,
)
from webapp.intake.pipeline import compare_files
from webapp.intake.records import Enrollment, EnrollmentColumns, RegisterPerson

AS_OF = date(2017, 6, 1)


def pid(birth: date, seq: int, area: str = "341721") -> str:
    return make_id(area, birth, seq)


ADULT = pid(date(1977, 3, 1), 11)          # A: employee, fully insured
BARE = pid(date(1980, 1, 2), 13)           # B: nothing at all
BARE_WIFE = pid(date(1982, 1, 2), 14)      # B's wife: nothing either, same household
CHILD = pid(date(2007, 5, 1), 15)          # C: 10 years old, resident medical only
STUDENT = pid(date(1999, 2, 1), 17)        # D: 18, student, resident medical only
TWO_PENSIONS = pid(date(1970, 1, 1), 19)   # E
TWO_MEDICAL = pid(date(1971, 1, 1), 21)    # F
TWO_BENEFITS = pid(date(1940, 1, 1), 23)   # G
PAID_DEAD = pid(date(1935, 1, 1), 25)      # H
STOPPED_DEAD = pid(date(1936, 1, 1), 27)   # H2
RENAMED = pid(date(1975, 1, 1), 29)        # I
MOVED = pid(date(1978, 1, 1), 31)          # J
ZHEJIANG = pid(date(1985, 1, 1), 33)       # K: works in Zhejiang
MIGRANT = pid(date(1988, 1, 1), 35, "420222")  # M: non-local, insured here
GONE = pid(date(1989, 1, 1), 37, "420222")     # N: non-local, enrollment terminated
FLOATING = pid(date(1990, 1, 1), 39, "360428")  # O: non-registered resident, not insured
TRANSFERRED = pid(date(1979, 1, 1), 41)    # P: resident pension terminated, medical only

REGISTER = [
    "户号,姓名,公民身份号码,与户主关系,户籍地址,现住址,人员状态,死亡日期,人口类型,职业,村(社区)代码",
    f"0001,甲一,{ADULT},户主,东至县尧渡镇A村1组,,正常,,户籍人口,职工,341721100201",
    f"0002,乙二,{BARE},户主,东至县尧渡镇A村2组,,正常,,户籍人口,农民,341721100201",
    f"0002,丙二,{BARE_WIFE},配偶,东至县尧渡镇A村2组,江苏省苏州市工业园区,正常,,户籍人口,农民,341721100201",
    f"0003,丁三,{CHILD},子,东至县尧渡镇A村3组,,正常,,户籍人口,学生,341721100201",
    f"0003,戊三,{STUDENT},女,东至县尧渡镇A村3组,,正常,,户籍人口,学生,341721100201",
    f"0004,己四,{TWO_PENSIONS},户主,东至县尧渡镇A村4组,,正常,,户籍人口,农民,341721100201",
    f"0005,庚五,{TWO_MEDICAL},户主,东至县尧渡镇A村5组,,正常,,户籍人口,职工,341721100201",
    f"0006,辛六,{TWO_BENEFITS},户主,东至县尧渡镇A村6组,,正常,,户籍人口,退休,341721100201",
    f"0007,壬七,{PAID_DEAD},户主,东至县尧渡镇A村7组,,死亡,2017-01-05,户籍人口,农民,341721100201",
    f"0008,癸八,{STOPPED_DEAD},户主,东至县尧渡镇A村8组,,死亡,2017年1月5日,户籍人口,农民,341721100201",
    f"0009,张三,{RENAMED},户主,东至县尧渡镇A村9组,,正常,,户籍人口,农民,341721100201",
    f"0010,子十,{MOVED},户主,东至县尧渡镇A村10组,,迁出,,户籍人口,农民,341721100201",
    f"0011,丑十一,{ZHEJIANG},户主,东至县尧渡镇A村11组,,正常,,户籍人口,务工,341721100201",
    "0012,寅十二,3.41721E+17,户主,东至县尧渡镇A村12组,,正常,,户籍人口,农民,341721100201",
    f"0013,卯十三,{FLOATING},户主,东至县尧渡镇A村13组,,正常,,流动人口,务工,341721100201",
    f"0014,辰十四,{TRANSFERRED},户主,东至县尧渡镇A村14组,,正常,,户籍人口,农民,341721100201",
]
SOCIAL_INSURANCE = [
    "社会保障号码,姓名,险种,参保状态,缴费状态,待遇状态,待遇发放至,参保地",
    f"{ADULT},甲一,企业职工基本养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{ADULT},甲一,职工基本医疗保险,正常参保,正常缴费,未享受,,东至县",
    f"{ADULT.lower()},甲一,失业保险,正常参保,正常缴费,未享受,,东至县",
    f"{TWO_PENSIONS},己四,城乡居民养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{TWO_PENSIONS},己四,企业职工养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{TWO_MEDICAL},庚五,职工医保,正常参保,正常缴费,未享受,,东至县",
    f"{TWO_MEDICAL},庚五,企业职工基本养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{TWO_BENEFITS},辛六,城乡居民基本养老保险,正常参保,暂停缴费,正常享受,201705,东至县",
    f"{TWO_BENEFITS},辛六,企业职工基本养老保险,正常参保,暂停缴费,正常享受,201705,东至县",
    f"{PAID_DEAD},壬七,城乡居民基本养老保险,正常参保,暂停缴费,正常享受,201704,东至县",
    f"{STOPPED_DEAD},癸八,城乡居民基本养老保险,终止参保,暂停缴费,终止发放,201701,东至县",
    f"{RENAMED},张叁,城乡居民基本养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{ZHEJIANG},丑十一,企业职工基本养老保险,正常参保,正常缴费,未享受,,浙江省杭州市",
    f"{ZHEJIANG},丑十一,职工基本医疗保险,正常参保,正常缴费,未享受,,浙江省杭州市",
    f"{MIGRANT},巳十五,企业职工基本养老保险,正常参保,正常缴费,未享受,,东至县",
    f"{GONE},午十六,企业职工基本养老保险,终止参保,暂停缴费,未享受,,东至县",
    f"{TRANSFERRED},辰十四,城乡居民基本养老保险,终止参保,暂停缴费,未享受,,东至县",
    "34172119800517123,无名,城乡居民基本养老保险,正常参保,正常缴费,未享受,,东至县",
]
HEALTH = [
    "身份证号码,姓名,家庭住址",
    f"{CHILD},丁三,东至县尧渡镇A村3组",
    f"{STUDENT},戊三,东至县尧渡镇A村3组",
    f"{TWO_PENSIONS},己四,东至县尧渡镇A村4组",
    f"{TWO_MEDICAL},庚五,东至县尧渡镇A村5组",
    f"{RENAMED[:6]} {RENAMED[6:14]} {RENAMED[14:]},张三,东至县尧渡镇A村9组",
    f"{TRANSFERRED},辰十四,东至县尧渡镇A村14组",
    f"{TWO_BENEFITS},辛六,东至县尧渡镇A村6组",
    f"{MIGRANT},巳十五,东至县尧渡镇B村",
]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    (folder / "ps.csv").write_bytes(("\r\n".join(REGISTER) + "\r\n").encode("gbk"))
    (folder / "si.csv").write_text("\n".join(SOCIAL_INSURANCE) + "\n", encoding="utf-8")
    (folder / "health.csv").write_text("\n".join(HEALTH) + "\n", encoding="utf-8-sig")
    result, opened = compare_files({"public_security": [folder / "ps.csv"],
                                    "social_insurance": [folder / "si.csv"],
                                    "health": [folder / "health.csv"]},
                                   county_code="341721", county_name="东至县", as_of=AS_OF, today=AS_OF)
    return result, {p.id_number: p for p in result.people}


def test_fully_insured_adult_is_confirmed(outcome):
    person = outcome[1][ADULT]
    assert (person.status, person.problems, person.missing) == (CONFIRMED, (), ())
    assert set(person.scheme_codes) == {"enterprise_pension", "employee_medical", "unemployment"}


def test_uninsured_adult_needs_pension_and_medical_with_register_address(outcome):
    person = outcome[1][BARE]
    assert person.status == UNINSURED and person.missing == ("pension", "medical")
    assert person.address == "东至县尧渡镇A村2组" and person.address_from_register
    assert outcome[1][BARE_WIFE].address == "江苏省苏州市工业园区"  # current address wins


def test_child_and_student_need_no_pension(outcome):
    assert outcome[1][CHILD].status == CONFIRMED
    assert outcome[1][STUDENT].status == CONFIRMED


def test_terminated_enrollment_counts_for_nothing(outcome):
    person = outcome[1][TRANSFERRED]
    assert person.status == UNINSURED and person.missing == ("pension",)


@pytest.mark.parametrize("id_number,problems", [
    (TWO_PENSIONS, ("duplicate_pension",)),
    (TWO_MEDICAL, ("duplicate_medical",)),
    # Drawing from two pensions is a duplicate benefit, and being in both a duplicate contribution (BRIEF.md).
    (TWO_BENEFITS, ("duplicate_benefit", "duplicate_pension")),
    (PAID_DEAD, ("benefit_after_death",)),
    (RENAMED, ("name_conflict",)),
])
def test_each_problem_type(outcome, id_number, problems):
    person = outcome[1][id_number]
    assert person.status == PROBLEM
    assert person.problems == problems
    assert person.details and all(person.details)


def test_invalid_ids_are_problems_per_row(outcome):
    invalid = sorted((r.source, r.row, r.error_codes) for r in outcome[0].invalid_ids)
    assert invalid == [("public_security", 15, ("excel_scientific",)),
                       ("social_insurance", 19, ("length_17",))]
    counts = outcome[0].counts()
    assert counts["invalid_id"] == 2


def test_not_targets(outcome):
    people = outcome[1]
    assert (people[STOPPED_DEAD].status, people[STOPPED_DEAD].reason) == (NOT_TARGET, "deceased")
    assert (people[MOVED].status, people[MOVED].reason) == (NOT_TARGET, "moved_out")
    assert (people[GONE].status, people[GONE].reason) == (NOT_TARGET, "not_insured_here")
    assert (people[FLOATING].status, people[FLOATING].reason) == (NOT_TARGET, "non_registered")


def test_non_local_person_insured_here_is_a_target_not_a_problem(outcome):
    person = outcome[1][MIGRANT]
    assert (person.status, person.non_local, person.in_register) == (CONFIRMED, True, False)
    assert person.address == "东至县尧渡镇B村"  # no register: address from the enrollment rows


def test_insured_in_another_province_is_not_uninsured(outcome):
    person = outcome[1][ZHEJIANG]
    assert person.status == CONFIRMED and person.insured_elsewhere


def test_uninsured_grouped_by_household(outcome):
    visits = group_uninsured_by_household(outcome[0].people)
    assert [(v.household_no, sorted(m.id_number for m in v.members)) for v in visits] == [
        ("0002", sorted([BARE, BARE_WIFE])), ("0014", [TRANSFERRED])]
    assert visits[0].area_code == "341721100201"


def test_problem_people_keep_their_missing_items():
    person = RegisterPerson(pid(date(1960, 1, 1), 51), "张三")
    result = compare([person], [EnrollmentColumns.from_rows([Enrollment(person.id_number, "张叁", "resident_medical", "health")])],
                     as_of=AS_OF)
    outcome = result.people[0]
    assert outcome.status == PROBLEM and outcome.missing == ("pension",)


def test_death_without_date_and_benefit_still_paid():
    person = RegisterPerson(pid(date(1930, 1, 1), 53), "老人", status="deceased")
    paid = Enrollment(person.id_number, "老人", "resident_pension", "social_insurance", benefit_paid=True,
                      paid_until=date(2017, 5, 31))
    assert compare([person], [EnrollmentColumns.from_rows([paid])], as_of=AS_OF).people[0].problems == ("benefit_after_death",)


def test_paid_until_the_month_of_death_is_fine():
    person = RegisterPerson(pid(date(1930, 1, 1), 55), "老人", status="deceased", death_date=date(2017, 5, 3))
    paid = Enrollment(person.id_number, "老人", "resident_pension", "social_insurance", benefit_paid=True,
                      paid_until=date(2017, 5, 31))
    assert compare([person], [EnrollmentColumns.from_rows([paid])], as_of=AS_OF).people[0].status == NOT_TARGET


def test_pension_age_boundary_is_the_sixteenth_birthday():
    medical = "resident_medical"
    turns_16_today = RegisterPerson(pid(date(2001, 6, 1), 57), "甲")
    turns_16_tomorrow = RegisterPerson(pid(date(2001, 6, 2), 59), "乙")
    result = compare([turns_16_today, turns_16_tomorrow],
                     [EnrollmentColumns.from_rows([Enrollment(p.id_number, p.name, medical, "health")
                                                   for p in (turns_16_today, turns_16_tomorrow)])], as_of=AS_OF)
    by_id = {p.id_number: p for p in result.people}
    assert by_id[turns_16_today.id_number].missing == ("pension",)
    assert by_id[turns_16_tomorrow.id_number].status == CONFIRMED


def test_progress_is_reported():
    calls = []
    compare([RegisterPerson(pid(date(1960, 1, 1), 61), "甲")], [], as_of=AS_OF,
            progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (1, 1)
