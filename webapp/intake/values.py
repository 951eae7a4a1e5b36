"""Read single cell values: dates in the formats departments use, and status words.

Every parser returns ``(value, problem)``: ``problem`` is None or a short Chinese
sentence for the validation report. Status vocabularies are lists of the words
seen in county exports; an unknown word is reported, never guessed.
"""
from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta

from webapp.intake.vocabulary import value_key, word_table

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's day 0 (with the 1900 leap-year bug folded in)
_SERIAL_RANGE = (1, 2958465)  # 1900-01-01 .. 9999-12-31
_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                  r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_YM = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_DIGITS8 = re.compile(r"\d{8}")
_DIGITS6 = re.compile(r"\d{6}")
_SERIAL = re.compile(r"\d{1,7}(\.\d+)?")


def _clean(value: object) -> str:
    # Collapse (not remove) inner spaces: '2017-03-05 00:00:00' keeps its time apart.
    return " ".join(str(value).split()).translate(_FULLWIDTH_DIGITS)


_FULLWIDTH_DIGITS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                                  | {"－": "-", "／": "/", "．": ".", "：": ":"})


def _make_date(year: int, month: int, day: int, text: str):
    try:
        return date(year, month, day), None
    except ValueError:
        return None, f"日期无效：{text}"


def parse_date(value: object):
    """Parse a date: 2017-03-05, 2017/3/5, 2017.3.5, 20170305, 2017年3月5日,
    an Excel serial number (42799) or a date/datetime cell. Returns (date|None, problem)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, bool):
        return None, f"日期无法识别：{value}"
    if isinstance(value, (int, float)):
        return _from_serial(value, str(value))
    text = _clean(value)
    if not text:
        return None, None
    match = _YMD.fullmatch(text)
    if match:
        return _make_date(int(match[1]), int(match[2]), int(match[3]), text)
    if _DIGITS8.fullmatch(text):
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]), text)
    if _SERIAL.fullmatch(text):
        return _from_serial(float(text), text)
    return None, f"日期无法识别：{text}"


def _from_serial(number: float, text: str):
    if 1900 <= number <= 2100:  # a bare year, not day 1900..2100 of Excel's calendar
        return None, f"日期只有年份：{text}"
    if not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return None, f"日期无法识别：{text}"
    return _EXCEL_EPOCH + timedelta(days=int(number)), None


def parse_month(value: object):
    """Parse a year-month (2017-05, 201705, 2017年5月) or a full date.

    A month comes out as its last day, so "paid until May" compares as 31 May.
    """
    if isinstance(value, str):
        text = _clean(value)
        match = _YM.fullmatch(text)
        if not match and _DIGITS6.fullmatch(text):
            year, month = int(text[:4]), int(text[4:])
        elif match:
            year, month = int(match[1]), int(match[2])
        else:
            return parse_date(value)
        if not 1 <= month <= 12 or year < 1900:
            return None, f"年月无效：{text}"
        return date(year, month, monthrange(year, month)[1]), None
    return parse_date(value)


# The status vocabularies live in vocabulary.py (with the words of each department); these
# names stay for readers of a single cell.
SEX_WORDS = word_table("sex")
PERSON_STATUS_WORDS = word_table("person_status")
REGISTER_KIND_WORDS = word_table("register_kind")
ENROLL_STATUS_WORDS = word_table("enroll_status")
CONTRIBUTION_WORDS = word_table("contribution_status")
BENEFIT_WORDS = word_table("benefit_status")
ORG_STATUS_WORDS = word_table("org_status")


def parse_word(value: object, table: dict, what: str):
    """Map a status word through a vocabulary table ({value key: code}); unknown words are reported."""
    if value is None:
        return None, None
    key = value_key(value)
    if not key:
        return None, None
    code = table.get(key)
    if code is None:
        return None, f"{what}无法识别：{key}"
    return code, None


# Insured place: 'local' (this county), 'province' (elsewhere in the same
# province), 'other_province'. Departments write place names or region codes.
PROVINCE_NAMES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}
_SCOPE_WORDS = {"本县": "local", "本地": "local", "县内": "local", "本区": "local",
                "省内": "province", "市内": "province", "省内异地": "province",
                "省外": "other_province", "外省": "other_province", "跨省": "other_province"}


def parse_place(value: object, county_code: str, county_name: str):
    """Classify an insured place as 'local', 'province' or 'other_province'.

    ``county_code``/``county_name`` describe the county running the campaign
    (areas are data: the caller takes them from the loaded areas, never a default).
    """
    if value is None:
        return None, None
    text = "".join(str(value).split())
    if not text:
        return None, None
    if text in _SCOPE_WORDS:
        return _SCOPE_WORDS[text], None
    if text.isdigit() and len(text) in (6, 9, 12):  # a region code
        if text[:6] == county_code:
            return "local", None
        return ("province" if text[:2] == county_code[:2] else "other_province"), None
    short_county = county_name.rstrip("县区市旗")
    if county_name in text or (len(short_county) >= 2 and short_county in text):
        return "local", None
    home = PROVINCE_NAMES.get(county_code[:2], "")
    for code, name in PROVINCE_NAMES.items():
        if text.startswith(name) and name != home:
            return "other_province", None
    return "province", None  # cities and counties of the home province, written without it


# -- single cells of other kinds ------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015)."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def check_credit_code(value: object):
    """Check a unified social credit code; returns (code|None, problem, severity)."""
    text = "".join(str(value).split()).upper()
    if len(text) == 15 and text.isdigit():  # pre-2015 registration number: still seen
        return text, "旧版 15 位注册号，建议更新为统一社会信用代码", "warning"
    if len(text) != 18 or any(ch not in _USCC_CHARS for ch in text):
        return None, f"统一社会信用代码格式错误：{text}", "error"
    expected = credit_code_check_char(text[:17])
    if expected != text[17]:
        return None, f"统一社会信用代码校验位错误：应为 {expected}，实为 {text[17]}", "error"
    return text, None, None


def parse_text(value: object):
    """Free text: inner whitespace collapsed; an integral float loses its '.0'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return (text or None), None


def parse_code(value: object):
    """A code such as a household number; a numeric Excel cell may have lost leading zeros."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value) if float(value).is_integer() else value
        return str(number), "以数字格式存储，可能丢失前导零，请以文本格式导出"
    return "".join(str(value).split()) or None, None


def parse_name(value: object):
    """A person's name: spaces removed, middle dots unified (少数民族 names)."""
    text = "".join(str(value).split()).replace("•", "·").replace("．", "·").replace(".", "·")
    if not text:
        return None, None
    if any(ch.isdigit() for ch in text):
        return text, "姓名中含数字"
    return text, None


def parse_area_code(value: object):
    """A statistical area code: 6, 9 or 12 digits."""
    text, _ = parse_code(value)
    if text and (not text.isdigit() or len(text) not in (6, 9, 12)):
        return text, "区划代码应为 6、9 或 12 位数字"
    return text, None
