"""Header mapping per source, and scheme names."""
from webapp.intake.mapping import SOURCES, map_headers, suggest_field
from webapp.intake.schemes import (
    BASIC_MEDICAL, BASIC_PENSION, codes_in_mask, mask_of, scheme_code, scheme_name,
)


def test_register_headers_map_by_synonym():
    headers = ["户号", "户主姓名", "与户主关系", "姓名", "公民身份号码", "户口状态", "死亡日期", "户籍所在地",
               "现居住地", "人口类型", "职业", "村(社区)代码"]
    mapping, unknown, missing = map_headers("public_security", headers)
    assert unknown == [] and missing == []
    assert mapping["公民身份号码"] == "id_number"
    assert mapping["户口状态"] == "person_status"
    assert mapping["户籍所在地"] == "register_address"
    assert mapping["现居住地"] == "current_address"


def test_header_noise_is_ignored():
    assert suggest_field("health", " 身份证号码（18位） ") == "id_number"
    assert suggest_field("health", "*姓名") == "name"
    assert suggest_field("social_insurance", "社会保障号码") == "id_number"
    assert suggest_field("social_insurance", "参保险种：") == "scheme"


def test_unknown_and_missing_required_reported():
    mapping, unknown, missing = map_headers("social_insurance", ["证件号码", "备注", "姓名"])
    assert mapping == {"证件号码": "id_number", "姓名": "name"}
    assert unknown == ["备注"]
    assert missing == ["scheme"]


def test_saved_mapping_wins_and_can_ignore_columns():
    saved = {"备注": None, "人员名称": "name", "证件号": "id_number"}
    mapping, unknown, missing = map_headers("health", ["证件号", "人员名称", "备注", "所属乡镇"], saved)
    assert mapping == {"证件号": "id_number", "人员名称": "name", "所属乡镇": "township"}
    assert unknown == [] and missing == []


def test_a_field_claimed_twice_goes_to_the_mapping_page():
    mapping, unknown, _ = map_headers("public_security", ["身份证号", "公民身份号码", "姓名"])
    assert mapping == {"身份证号": "id_number", "姓名": "name"}
    assert unknown == ["公民身份号码"]


def test_every_source_has_required_fields():
    for code in ("public_security", "health", "social_insurance", "market_supervision", "civil_affairs"):
        assert any(f.required for f in SOURCES[code].fields), code
    assert map_headers("market_supervision", ["统一社会信用代码", "企业名称", "注销日期"])[2] == []


def test_scheme_names_and_groups():
    assert scheme_code("新农合") == "resident_medical"
    assert scheme_code("城乡居民养老保险") == "resident_pension"
    assert scheme_code(" 企业职工基本养老保险 ") == "enterprise_pension"
    assert scheme_code("机关事业单位养老保险") == "civil_service_pension"
    assert scheme_code("职工医保") == "employee_medical"
    assert scheme_code("110") == "enterprise_pension"
    assert scheme_code("商业保险") is None
    assert scheme_name("maternity") == "生育保险"
    assert BASIC_PENSION == {"enterprise_pension", "resident_pension", "civil_service_pension"}
    assert BASIC_MEDICAL == {"employee_medical", "resident_medical"}
    assert codes_in_mask(mask_of(["unemployment", "resident_medical"])) == ("resident_medical", "unemployment")
