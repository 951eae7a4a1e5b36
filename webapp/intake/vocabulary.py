"""Value vocabularies: the words departments write in coded columns, and the product's codes.

Every coded column (sex, person status, household type, scheme, enrollment,
contribution and benefit status, nationality, relation to the head, an
organisation's registration status) is read through a :class:`Vocabulary`:
codes with a label and the words seen in exports of the 公安 household
register, 卫健 (formerly 卫计) resident medical systems, the 社保 business
system, 市场监管 enterprise registration and 民政 social organisation
registration. Some words mean different things in different systems (a bare
"1" is "male" in a sex column but "paying" in a social insurance status
column), so a source can add words of its own (:data:`SOURCE_WORDS`).

What a user decides for a word nobody listed is saved per source and field
(``IntakeValueMapping``) and wins over these lists; see :func:`word_table`.
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.intake.schemes import SCHEMES

# A user's choice for a value: map it to a code, leave the cell empty, or treat the row as an error.
LEAVE_EMPTY = None
ROW_ERROR = "#error"


def N_(text: str) -> str:
    """Mark a label for translation; pages show it through gettext."""
    return text


@dataclass(frozen=True)
class Vocabulary:
    """The codes of one kind of coded column, each with its label and the words for it."""

    kind: str
    what: str  # the column's name in messages ("待遇状态无法识别：…")
    codes: dict  # code -> (label, words)

    def labels(self) -> dict[str, str]:
        """{code: label}, in the vocabulary's order (for the value-mapping page)."""
        return {code: label for code, (label, _) in self.codes.items()}


def value_key(value: object) -> str:
    """A cell as a vocabulary key: no spaces, ASCII brackets, lower case; 1.0 (a numeric cell) is '1'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = "".join(str(value).split())
    return text.replace("（", "(").replace("）", ")").lower()


def _scheme_codes() -> dict:
    extra = {
        "enterprise_pension": ("企业基本养老保险", "企业职工养老", "基本养老保险(企业)", "企保", "职工养老"),
        "resident_pension": ("城乡居民社会养老保险", "居民基本养老保险", "城居保", "城乡养老", "居保"),
        "civil_service_pension": ("机关事业单位基本养老", "机关养老", "机关事业单位工作人员养老保险"),
        "employee_medical": ("职工基本医疗", "基本医疗保险(职工)", "城镇职工医疗保险", "职工医疗"),
        "resident_medical": ("城乡居民基本医疗", "城乡医保", "城居医保", "新农合医疗", "居民基本医疗保险",
                             "基本医疗保险(居民)"),
    }
    return {s.code: (s.name, s.synonyms + extra.get(s.code, ())) for s in SCHEMES}


VOCABULARIES: dict[str, Vocabulary] = {v.kind: v for v in (
    Vocabulary("sex", N_("性别"), {
        "M": (N_("男"), ("男", "男性", "1", "m", "male", "男士")),
        "F": (N_("女"), ("女", "女性", "2", "f", "female", "女士")),
    }),
    Vocabulary("person_status", N_("人员状态"), {
        "normal": (N_("正常"), ("正常", "在册", "有效", "常住", "正常户口", "在籍", "正常在册", "现有人口", "在户")),
        "moved_out": (N_("迁出"), ("迁出", "已迁出", "迁往外地", "户口迁出", "迁出注销", "外迁")),
        "cancelled": (N_("注销"), ("注销", "已注销", "户口注销", "销户", "其他注销", "出国注销", "参军注销")),
        "deceased": (N_("死亡"), ("死亡", "已死亡", "死亡注销", "亡故", "死亡销户", "去世")),
    }),
    Vocabulary("register_kind", N_("人口类型"), {
        "registered": (N_("户籍人口"), ("户籍人口", "户籍", "常住人口", "本地户籍", "户籍人员", "常住户口", "本地")),
        "non_registered": (N_("流动人口"), ("流动人口", "非户籍", "暂住人口", "外来人口", "非户籍人员", "暂住",
                                          "寄住人口", "流入人口", "外来")),
    }),
    Vocabulary("hukou_type", N_("户口性质"), {
        "agricultural": (N_("农业户口"), ("农业", "农业户口", "农村", "农村户口", "农业人口", "农")),
        "non_agricultural": (N_("非农业户口"), ("非农业", "非农业户口", "非农", "城镇", "城镇户口", "非农业人口")),
        "resident": (N_("居民户口"), ("居民", "居民户口", "城乡居民", "统一居民户口", "家庭户口")),
    }),
    Vocabulary("nationality", N_("国籍"), {
        "CHN": (N_("中国"), ("中国", "中华人民共和国", "chn", "cn", "156", "china", "中国籍")),
        "foreign": (N_("外国"), ("外国", "外籍", "外国籍", "其他国家")),
    }),
    Vocabulary("relation", N_("与户主关系"), {
        "户主": (N_("户主"), ("户主", "本人", "本人(户主)", "01", "02", "1")),
        "配偶": (N_("配偶"), ("配偶", "妻", "妻子", "夫", "丈夫", "夫妻", "10", "11", "12")),
        "子": (N_("儿子"), ("子", "儿子", "长子", "次子", "三子", "四子", "养子", "继子", "之子", "独生子", "20", "21",
                         "22", "23", "24", "25")),
        "女": (N_("女儿"), ("女", "女儿", "长女", "次女", "三女", "四女", "养女", "继女", "之女", "独生女", "30", "31",
                         "32", "33", "34", "35")),
        "孙子": (N_("孙子"), ("孙子", "孙", "外孙", "外孙子", "曾孙子", "41", "43")),
        "孙女": (N_("孙女"), ("孙女", "外孙女", "曾孙女", "42", "44")),
        "父亲": (N_("父亲"), ("父亲", "父", "公公", "岳父", "继父", "51")),
        "母亲": (N_("母亲"), ("母亲", "母", "婆婆", "岳母", "继母", "52")),
        "儿媳": (N_("儿媳"), ("儿媳", "媳", "儿媳妇", "27", "28")),
        "女婿": (N_("女婿"), ("女婿", "婿", "37", "38")),
        "祖父母": (N_("祖父母"), ("祖父", "祖母", "外祖父", "外祖母", "61", "62", "63", "64")),
        "兄弟姐妹": (N_("兄弟姐妹"), ("兄", "弟", "姐", "妹", "兄弟", "姐妹", "哥哥", "弟弟", "姐姐", "妹妹",
                                   "71", "73", "75", "77")),
        "其他": (N_("其他"), ("其他", "其它", "其他亲属", "非亲属", "保姆", "99", "80", "90")),
    }),
    Vocabulary("scheme", N_("险种"), _scheme_codes()),
    Vocabulary("enroll_status", N_("参保状态"), {
        "active": (N_("正常参保"), ("正常参保", "参保缴费", "正常", "在保", "参保", "有效", "已参保", "正常缴费",
                                   "在缴", "参保中", "在职参保", "正常在保", "已缴费", "缴费")),
        "suspended": (N_("暂停缴费（中断）"), ("暂停缴费", "中断缴费", "暂停参保", "停缴", "中断", "暂停", "停保",
                                           "暂停缴费(中断)", "缴费中断", "欠费")),
        "terminated": (N_("终止参保"), ("终止参保", "终止", "注销", "退保", "已注销", "终止缴费", "转出", "已转出",
                                     "死亡注销", "参保终止", "注销参保", "死亡", "停止参保")),
    }),
    Vocabulary("contribution_status", N_("缴费状态"), {
        "paying": (N_("正常缴费"), ("正常缴费", "缴费", "已缴费", "参保缴费", "是", "在缴", "正常", "缴费中", "已缴")),
        "not_paying": (N_("未缴费"), ("暂停缴费", "未缴费", "中断缴费", "停缴", "否", "欠费", "不缴费", "终止缴费",
                                    "无", "未缴", "中断", "暂停", "停保", "终止")),
    }),
    Vocabulary("benefit_status", N_("待遇状态"), {
        "paid": (N_("正在领取待遇"), ("正常享受", "正常发放", "享受", "领取", "是", "享受待遇", "正常领取", "发放",
                                   "待遇领取", "领取待遇", "已领取", "按月领取", "正常待遇", "享受中", "领取中")),
        "not_paid": (N_("未领取待遇"), ("未享受", "否", "无", "不享受", "未领取", "终止发放", "暂停发放", "停发",
                                     "终止享受", "暂停享受", "待遇终止", "待遇暂停", "未发放", "停止发放", "不领取",
                                     "终止", "暂停", "死亡停发")),
    }),
    Vocabulary("org_status", N_("登记状态"), {
        "active": (N_("存续"), ("存续", "在业", "开业", "正常", "登记", "设立", "存续(在营、开业、在册)", "在营",
                               "在册", "成立", "正常登记", "有效", "营业")),
        "cancelled": (N_("注销"), ("注销", "吊销", "撤销", "已注销", "已吊销", "吊销,未注销", "吊销未注销",
                                  "吊销,已注销", "注销登记", "撤销登记", "已撤销", "歇业")),
    }),
)}

# Words only one source uses in a given sense: the 社保 system's national status codes
# (参保状态 1/2/3, 缴费 1/2, 待遇 1/2), the 卫健 system's yes/no flags.
SOURCE_WORDS: dict[tuple[str, str], dict[str, str]] = {
    ("social_insurance", "enroll_status"): {"1": "active", "2": "suspended", "3": "terminated", "0": "terminated"},
    ("social_insurance", "contribution_status"): {"1": "paying", "2": "not_paying", "3": "not_paying",
                                                  "0": "not_paying"},
    ("social_insurance", "benefit_status"): {"1": "paid", "2": "not_paid", "3": "not_paid", "0": "not_paid"},
    ("health", "enroll_status"): {"1": "active", "是": "active", "2": "suspended", "0": "terminated",
                                  "否": "terminated", "已缴费": "active", "未缴费": "suspended"},
    ("public_security", "person_status"): {"1": "normal", "0": "cancelled"},
    ("market_supervision", "org_status"): {"1": "active", "2": "cancelled", "3": "cancelled"},
    ("civil_affairs", "org_status"): {"正常": "active", "成立登记": "active", "注销登记": "cancelled"},
}


def word_table(kind: str, source: str | None = None, saved: dict | None = None) -> dict[str, str | None]:
    """{value key: code} for one column: the vocabulary, the source's own words, then the user's choices.

    ``saved`` ({value key: code, None to leave empty, or :data:`ROW_ERROR`}) wins over both lists.
    """
    vocabulary = VOCABULARIES[kind]
    table: dict[str, str | None] = {}
    for code, (label, words) in vocabulary.codes.items():
        for word in (code, label) + tuple(words):
            table.setdefault(value_key(word), code)
    for word, code in SOURCE_WORDS.get((source, kind), {}).items():
        table[value_key(word)] = code
    for word, code in (saved or {}).items():
        table[value_key(word)] = code
    return table


def is_coded(kind: str) -> bool:
    """Whether a field kind is read through a vocabulary (and so can stop at the value-mapping step)."""
    return kind in VOCABULARIES
