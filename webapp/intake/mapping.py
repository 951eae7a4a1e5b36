"""Department sources, their canonical fields, and Chinese header synonyms.

Each department sends files with its own column headers. :func:`map_headers`
turns a file's headers into canonical field names using the synonyms below plus
a mapping a user saved earlier for that source; headers it cannot place go to
the mapping page, and missing required fields block the import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One canonical field of a source.

    ``kind`` tells the validator how to read the value (see validate.py).
    """

    name: str
    label: str
    kind: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Source:
    """One data-providing department and the fields its files carry."""

    code: str
    label: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


# Fields shared by the person-level sources.
_ID = Field("id_number", "公民身份号码", "id",
            ("身份证号", "身份证号码", "公民身份号码", "公民身份证号", "公民身份证号码", "证件号码",
             "社会保障号码", "社会保障号", "社保号码", "身份证", "证件号", "个人身份证号"), True)
_NAME = Field("name", "姓名", "name", ("姓名", "名字", "人员姓名", "参保人姓名", "户主或成员姓名"), True)
_SEX = Field("sex", "性别", "sex", ("性别", "性别代码", "性别名称"))
_NATIONALITY = Field("nationality", "国籍", "nationality", ("国籍", "国籍(地区)", "国籍地区", "国家(地区)"))
_BIRTH = Field("birth_date", "出生日期", "date", ("出生日期", "出生年月日", "出生年月", "生日"))
_ADDRESS = Field("address", "住址", "text", ("住址", "家庭住址", "地址", "联系地址", "居住地址", "通讯地址"))
_AREA = Field("area_code", "村(社区)代码", "area_code",
              ("村(社区)代码", "村居代码", "村社区代码", "行政区划代码", "区划代码", "统计区划代码",
               "所属村居代码"))
_TOWNSHIP = Field("township", "乡镇(街道)", "text", ("乡镇(街道)", "乡镇", "所属乡镇", "乡镇街道", "街道"))
_VILLAGE = Field("village", "村(社区)", "text",
                 ("村(社区)", "村社区", "村居委会", "所属村居", "村(居)委会", "行政村", "社区"))
_PLACE = Field("insured_place", "参保地", "place", ("参保地", "参保地区", "参保所在地", "参保统筹区", "统筹区"))
_SCHEME = Field("scheme", "险种", "scheme", ("险种", "参保险种", "险种类型", "险种名称", "保险类型"), True)
_ENROLL_STATUS = Field("enroll_status", "参保状态", "enroll_status",
                       ("参保状态", "人员参保状态", "参保人员状态", "参保标志"))
_ENROLL_DATE = Field("enroll_date", "参保日期", "date", ("参保日期", "参保时间", "首次参保日期", "参保年月"))
_ORG_FIELDS = (
    Field("credit_code", "统一社会信用代码", "credit_code",
          ("统一社会信用代码", "信用代码", "社会信用代码", "统一代码", "注册号"), True),
    Field("org_name", "单位名称", "text",
          ("单位名称", "企业名称", "组织名称", "社会组织名称", "名称", "机构名称", "市场主体名称"), True),
    Field("org_type", "类型", "text",
          ("企业类型", "市场主体类型", "组织类型", "社会组织类型", "单位类型", "类型", "登记类型")),
    Field("legal_rep", "法定代表人", "text", ("法定代表人", "法人代表", "负责人", "经营者", "法定代表人姓名")),
    Field("register_date", "登记日期", "date", ("登记日期", "成立日期", "设立日期", "注册日期", "核准日期")),
    Field("cancel_date", "注销日期", "date", ("注销日期", "吊销日期", "注销(吊销)日期", "撤销日期")),
    Field("org_status", "登记状态", "org_status", ("登记状态", "经营状态", "状态", "企业状态")),
    Field("address", "住所", "text", ("住所", "经营场所", "地址", "住所地址", "办公地址")),
)

SOURCES: dict[str, Source] = {s.code: s for s in (
    Source("public_security", "公安户籍", (
        _ID, _NAME, _SEX, _BIRTH,
        Field("household_no", "户号", "code", ("户号", "户编号", "户口簿编号", "户籍编号")),
        Field("head_name", "户主姓名", "name", ("户主姓名", "户主")),
        Field("relation", "与户主关系", "relation", ("与户主关系", "与户主的关系", "家庭关系", "关系", "与户主关系名称")),
        Field("hukou_type", "户口性质", "hukou_type", ("户口性质", "户籍性质", "户口性质名称", "农业非农业")),
        Field("register_address", "户籍地址", "text",
              ("户籍地址", "户籍所在地", "户籍住址", "户口所在地", "户籍地", "住址", "户籍详址")),
        Field("current_address", "现住址", "text", ("现住址", "现居住地", "现居住地址", "居住地", "实际居住地")),
        Field("person_status", "人员状态", "person_status", ("人员状态", "户口状态", "户籍状态", "人口状态")),
        Field("death_date", "死亡日期", "date", ("死亡日期", "死亡时间", "注销死亡日期")),
        Field("register_kind", "人口类型", "register_kind",
              ("人口类型", "户籍类型", "户口类别", "人员类别", "人口类别", "登记类别")),
        Field("occupation", "职业", "text", ("职业", "人员身份", "职业类别", "在校状态", "身份")),
        Field("ethnicity", "民族", "text", ("民族",)),
        Field("phone", "联系电话", "text", ("联系电话", "电话", "手机号码", "手机号", "联系方式")),
        _AREA, _TOWNSHIP, _VILLAGE, _NATIONALITY,
    )),
    Source("health", "卫生健康（城乡居民医保）", (
        _ID, _NAME, _SEX, _BIRTH, _ADDRESS, _AREA, _TOWNSHIP, _VILLAGE, _PLACE,
        Field("scheme", "险种", "scheme", _SCHEME.synonyms),  # optional here: default resident medical
        _ENROLL_STATUS, _ENROLL_DATE, _NATIONALITY,
    )),
    Source("social_insurance", "社保业务系统", (
        _ID, _NAME, _SEX, _BIRTH, _ADDRESS, _SCHEME, _ENROLL_STATUS, _ENROLL_DATE, _PLACE,
        Field("contribution_status", "缴费状态", "contribution_status",
              ("缴费状态", "缴费标志", "是否缴费", "本年缴费状态")),
        Field("benefit_status", "待遇状态", "benefit_status",
              ("待遇状态", "是否领取待遇", "待遇享受状态", "领取待遇状态", "待遇发放状态", "是否享受待遇")),
        Field("benefit_paid_until", "待遇发放至", "month",
              ("待遇发放至", "待遇发放截止年月", "最后发放年月", "末次发放年月", "末次发放日期", "待遇发放截至",
               "最近发放年月")),
        Field("employer", "单位名称", "text", ("单位名称", "参保单位", "工作单位", "所在单位")),
        # Optional, and a malformed code only warns: the person's row stays usable and the
        # employer is then matched by name (see validate.py and intake/employers.py).
        Field("employer_code", "单位统一社会信用代码", "credit_code",
              ("单位统一社会信用代码", "单位信用代码", "单位社会信用代码", "单位统一代码",
               "参保单位统一社会信用代码", "用人单位统一社会信用代码", "参保单位信用代码")),
        _NATIONALITY,
    )),
    Source("market_supervision", "市场监管（企业登记）", _ORG_FIELDS),
    Source("civil_affairs", "民政（社会组织登记）", _ORG_FIELDS),
)}
# The sources whose rows are people (the others are organisations, see employers.ORG_SOURCES).
PERSON_SOURCES = ("public_security", "health", "social_insurance")

# Row counters every export adds: never data, so they are ignored without asking (and listed).
IGNORED_HEADERS = frozenset({"序号", "行号", "序", "no", "no.", "顺序号"})
_PARENTHESISED = re.compile(r"\(.*?\)|\[.*?\]")


def normalize_header(header: object) -> str:
    """Canonical text of a header for matching: no spaces, ASCII brackets, no '*'."""
    text = "" if header is None else str(header)
    text = "".join(text.split())
    text = (text.replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]")
            .replace("*", "").replace("＊", "").rstrip(":：").lower())
    return text


def _synonym_table(source: Source) -> dict[str, str]:
    table: dict[str, str] = {}
    for field in source.fields:
        for word in (field.name, field.label) + field.synonyms:
            table.setdefault(normalize_header(word), field.name)
    return table


def suggest_field(source_code: str, header: object) -> str | None:
    """Guess the canonical field for one header; None if no synonym fits."""
    table = _synonym_table(SOURCES[source_code])
    key = normalize_header(header)
    if key in table:
        return table[key]
    # '身份证号码(18位)' or '姓名[必填]': try again without the bracketed note.
    stripped = _PARENTHESISED.sub("", key)
    return table.get(stripped) if stripped else None


def map_headers(source_code: str, headers, saved_mapping: dict[str, str | None] | None = None):
    """Map a file's headers to canonical fields.

    Returns ``(mapping, unknown_headers, missing_required)``: ``mapping`` is
    ``{original header: field name}``, ``unknown_headers`` the headers nobody
    could place, ``missing_required`` the required field names no header maps to.
    ``saved_mapping`` (header -> field, or None to ignore a header on purpose)
    wins over the synonyms. A field claimed twice keeps its first header; the
    second goes to ``unknown_headers`` so a person decides.
    """
    source = SOURCES[source_code]
    valid_fields = {f.name for f in source.fields}
    saved = {normalize_header(k): v for k, v in (saved_mapping or {}).items()}
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    taken: set[str] = set()
    for header in headers:
        if header is None or str(header).strip() == "":
            continue
        key = normalize_header(header)
        if key in IGNORED_HEADERS and key not in saved:
            continue
        if key in saved:
            field = saved[key]
            if field is None:  # deliberately ignored column
                continue
            if field not in valid_fields:
                field = None
        else:
            field = suggest_field(source_code, header)
        if field is None or field in taken:
            unknown.append(str(header))
            continue
        mapping[str(header)] = field
        taken.add(field)
    missing = [f.name for f in source.fields if f.required and f.name not in taken]
    return mapping, unknown, missing


def column_letter(position: int) -> str:
    """Excel's letters for a 0-based column position (0 -> 'A', 26 -> 'AA')."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def duplicate_headers_problem(duplicates, saved_mapping: dict[str, str | None] | None = None) -> str | None:
    """The uploader's message when a header names two columns, or None.

    ``duplicates`` is ``[(header, [0-based positions])]`` from the reader. Which
    of two 姓名 columns is the name cannot be guessed, so the file is refused,
    naming the columns as Excel shows them; a header the source's saved mapping
    ignores on purpose does not matter.
    """
    saved = {normalize_header(k): v for k, v in (saved_mapping or {}).items()}
    clashes = []
    for header, positions in duplicates:
        key = normalize_header(header)
        if key in saved and saved[key] is None:
            continue
        letters = [column_letter(p) for p in positions]
        clashes.append(f"列 {'、'.join(letters[:-1])} 和 {letters[-1]} 的表头都是“{header}”")
    if not clashes:
        return None
    return "；".join(clashes) + "。无法确定用哪一列，请删除或改名重复的列后重新上传"



def id_column_test(source_code: str, mapping: dict[str, str] | None):
    """A test ``header -> bool``: does this column of a file hold ID numbers?

    True for headers mapped to an ID field, and for headers named like one (a
    rejected file may have no mapping, and its ID column must still be masked).
    """
    source = SOURCES[source_code]
    kinds = {f.name: f.kind for f in source.fields}
    mapped = {header for header, name in (mapping or {}).items() if kinds.get(name) == "id"}
    known: dict[str, bool] = {}  # a report repeats a handful of headers thousands of times

    def holds_id(header: str) -> bool:
        if header not in known:
            known[header] = header in mapped or kinds.get(suggest_field(source_code, header)) == "id"
        return known[header]
    return holds_id
