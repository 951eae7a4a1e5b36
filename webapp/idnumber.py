"""Citizen ID numbers (公民身份号码, GB 11643-1999): normalisation and checking.

An 18-character ID is a 6-digit address code, an 8-digit birth date (YYYYMMDD),
a 3-digit sequence (odd for men, even for women) and a check character.
The check character is sum(digit_i * weight_i) mod 11 mapped through
``1 0 X 9 8 7 6 5 4 3 2``. The legacy 15-digit form (YYMMDD, no check character)
upgrades by inserting ``19`` after the address code.

Every problem comes out as an :class:`IdIssue` — a ``(code, message)`` named
tuple. ``code`` is a stable machine key (tests, filters, report columns);
``message`` is a short Simplified Chinese sentence for the people fixing the file.

Error codes:
    ``empty``               nothing given
    ``unsupported_type``    not a str / int / float
    ``excel_scientific``    '3.41721E+17' — Excel turned the ID into a number
    ``excel_number``        a float, or an int too long for Excel's 15 significant digits
    ``excel_decimal``       ends in '.0' (or another decimal part) — came through a number
    ``bad_chars``           characters other than digits and X
    ``x_position``          X somewhere other than the last position
    ``length_17``           17 digits: lost trailing X or lost leading digit
    ``length``              any other wrong length
    ``birth_date_invalid``  not a calendar date
    ``birth_date_future``   after today
    ``birth_date_too_early`` before 1900-01-01
    ``check_char``          check character does not match

Warning codes:
    ``unknown_province``    first two digits are not a province code (warning only:
                            abandoned address codes stay valid on real cards)
    ``upgraded_15``         a legacy 15-digit ID was upgraded to 18 digits
    ``stored_as_number``    a 15-digit ID arrived as an int (exact, but fragile)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from operator import mul
from time import monotonic
from typing import NamedTuple

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

PROVINCE_CODES = frozenset(
    [str(c) for c in range(11, 16)]
    + [str(c) for c in range(21, 24)]
    + [str(c) for c in range(31, 38)]
    + [str(c) for c in range(41, 47)]
    + [str(c) for c in range(50, 55)]
    + [str(c) for c in range(61, 66)]
    + ["71", "81", "82"]
)

EARLIEST_BIRTH = date(1900, 1, 1)
# Excel keeps 15 significant digits; any longer integer from a numeric cell is damaged.
_EXCEL_SIGNIFICANT_DIGITS = 15

# re.ASCII: \d must not match full-width or other Unicode digits.
_FAST_18 = re.compile(r"\d{17}[\dX]", re.ASCII)
_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d*)?[eE][+-]?\d+", re.ASCII)
_DECIMAL = re.compile(r"\d+\.\d*", re.ASCII)
# Full-width digits and X become ASCII; lower-case x becomes X.
_FULLWIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                            "Ｘ": "X", "ｘ": "X", "x": "X",
                            "．": ".", "＋": "+", "Ｅ": "E", "ｅ": "e"})
# Spaces that survive str.split(): zero-width ones and the BOM. NBSP and U+3000
# are whitespace for str.split() already.
_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None})


class IdIssue(NamedTuple):
    """One problem with an ID number: a stable code and a Chinese message."""

    code: str
    message: str

    def __str__(self) -> str:  # a report cell shows the message
        return self.message


@dataclass(frozen=True, slots=True)
class IdResult:
    """Outcome of :func:`normalize_id`.

    ``canonical`` is the 18-character ID when there are no errors, else None.
    ``cleaned`` is the input after whitespace/full-width clean-up (shown in
    reports, and usable as a key for records whose ID is invalid).
    """

    canonical: str | None
    errors: tuple[IdIssue, ...] = ()
    warnings: tuple[IdIssue, ...] = ()
    upgraded_from_15: bool = False
    cleaned: str = ""

    @property
    def ok(self) -> bool:
        """True when the ID is valid (warnings allowed)."""
        return not self.errors

    @property
    def error_codes(self) -> tuple[str, ...]:
        """The stable codes of the errors."""
        return tuple(issue.code for issue in self.errors)

    @property
    def warning_codes(self) -> tuple[str, ...]:
        """The stable codes of the warnings."""
        return tuple(issue.code for issue in self.warnings)


def check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need 17 ASCII digits, got {first17!r}")
    return CHECK_CHARS[_weighted_sum(first17) % 11]


def _weighted_sum(digits: str, offset: int = 0) -> int:
    """Weighted digit sum of ``digits`` placed at ``offset`` within the first 17."""
    weights = WEIGHTS[offset:offset + len(digits)]
    return sum(map(mul, digits.encode("ascii"), weights)) - ord("0") * sum(weights)


# Hot-path caches: the weighted sum splits into address (6), birth date (8) and
# sequence (3) parts, each with few distinct values in a county, so a comparison
# over a million rows costs dictionary look-ups instead of 17 multiplications.
_SEQUENCE_SUMS = {f"{n:03d}": _weighted_sum(f"{n:03d}", 14) for n in range(1000)}
_ADDRESS_SUMS: dict[str, int] = {}
_CACHE_LIMIT = 100_000


def birth_date(canonical: str) -> date:
    """Return the birth date encoded in a canonical 18-character ID."""
    return date(int(canonical[6:10]), int(canonical[10:12]), int(canonical[12:14]))


def sex(canonical: str) -> str:
    """Return 'M' or 'F' from the sequence digit (odd men, even women)."""
    return "M" if int(canonical[16]) % 2 else "F"


def mask_id(canonical: str | None) -> str:
    """Mask an ID for lists: first 6 and last 4 shown ('341721********123X')."""
    if not canonical:
        return ""
    if len(canonical) <= 10:
        return "*" * len(canonical)
    return canonical[:6] + "*" * (len(canonical) - 10) + canonical[-4:]


# Every code normalize_id reports: a validation issue with one of these is about an ID value.
ISSUE_CODES = frozenset({
    "empty", "unsupported_type", "excel_scientific", "excel_number", "excel_decimal", "bad_chars",
    "x_position", "length_17", "length", "birth_date_invalid", "birth_date_future", "birth_date_too_early",
    "check_char", "unknown_province", "upgraded_15", "stored_as_number"})
# A run of letters and digits long enough to be an ID (or most of one), e.g. inside a message.
_ID_LIKE = re.compile(r"[0-9A-Za-z\uff10-\uff19\uff38\uff58]{12,}")


def mask_ids_in_text(text: str | None) -> str:
    """``text`` with every ID-like run (12+ letters/digits, at least 10 of them digits) masked.

    Free text such as a problem's detail may quote a raw ID from a file; an ID with a wrong
    check digit is as sensitive as a valid one (the right check digit is computable).
    """
    if not text:
        return ""
    return _ID_LIKE.sub(lambda m: mask_id(m.group(0)) if sum(ch.isdigit() for ch in m.group(0)) >= 10
                        else m.group(0), str(text))


def make_id(area6: str, birth: date, seq3: int) -> str:
    """Build a valid 18-character ID (for generators and tests)."""
    if len(area6) != 6 or not area6.isdigit():
        raise ValueError(f"area code must be 6 digits, got {area6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"sequence must be 0..999, got {seq3}")
    first17 = f"{area6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return first17 + check_char(first17)


def normalize_id(raw: object, today: date | None = None) -> IdResult:
    """Clean, upgrade and check one ID number; never raises on bad data.

    ``today`` bounds the birth date (defaults to the current date; tests pin it).
    """
    # Fast path for the common case: an already clean 18-character string.
    if type(raw) is str and len(raw) == 18 and _FAST_18.fullmatch(raw):
        return _check_18(raw, today, upgraded=False, warnings=())
    if raw is None:
        return IdResult(None, (IdIssue("empty", "身份证号为空"),))
    if isinstance(raw, bool):
        return _fail(str(raw), "unsupported_type", "身份证号类型无法识别")
    if isinstance(raw, float):
        return _from_float(raw)
    if isinstance(raw, int):
        return _from_int(raw, today)
    if not isinstance(raw, str):
        return _fail(str(raw), "unsupported_type", f"身份证号类型无法识别：{type(raw).__name__}")
    return _from_text(raw, today)


def clean_canonical(raw: object, today: date | None = None) -> str | None:
    """Fast path for bulk checks: ``raw`` itself if it is already a clean, valid,
    warning-free 18-character ID, else None (then call :func:`normalize_id`)."""
    if raw.__class__ is not str or len(raw) != 18 or not _FAST_18.fullmatch(raw):
        return None
    date_issue, date_share = _date_part(raw[6:14], today or _current_date())
    if date_issue is not None or raw[:2] not in PROVINCE_CODES:
        return None
    address = _ADDRESS_SUMS.get(raw[:6])
    if address is None:
        address = _address_sum(raw[:6])
    if CHECK_CHARS[(address + date_share + _SEQUENCE_SUMS[raw[14:17]]) % 11] != raw[17]:
        return None
    return raw


def _fail(cleaned: str, code: str, message: str) -> IdResult:
    return IdResult(None, (IdIssue(code, message),), cleaned=cleaned)


def _from_float(value: float) -> IdResult:
    # A float ID always came through a numeric cell: digits past the 15th are gone.
    return _fail(repr(value), "excel_number",
                 f"疑被 Excel 转为数字（{value!r}），请以文本格式导出")


def _from_int(value: int, today: date | None) -> IdResult:
    text = str(value)
    if len(text) > _EXCEL_SIGNIFICANT_DIGITS:
        return _fail(text, "excel_number",
                     f"疑被 Excel 转为数字（{len(text)} 位数值，末尾数字可能已丢失），请以文本格式导出")
    result = _from_text(text, today)
    if result.ok:
        warning = IdIssue("stored_as_number", "身份证号以数字格式存储，建议以文本格式导出")
        return IdResult(result.canonical, (), result.warnings + (warning,),
                        result.upgraded_from_15, text)
    return result


def _clean_text(raw: str) -> str:
    # split/join removes every Unicode space (incl. U+3000, NBSP, tabs).
    return "".join(raw.translate(_INVISIBLE).split()).translate(_FULLWIDTH)


def _from_text(raw: str, today: date | None) -> IdResult:
    text = _clean_text(raw)
    if not text:
        return _fail(text, "empty", "身份证号为空")
    if _SCIENTIFIC.fullmatch(text):
        return _fail(text, "excel_scientific", "疑被 Excel 转为数字（科学计数法），请以文本格式导出")
    if _DECIMAL.fullmatch(text):
        return _fail(text, "excel_decimal", f"疑被 Excel 转为数字（末尾为“{text[text.index('.'):]}”），请以文本格式导出")
    bad = sorted({ch for ch in text if ch not in "0123456789X"})
    if bad:
        return _fail(text, "bad_chars", f"含非法字符：{''.join(bad)}")
    if "X" in text[:-1]:
        return _fail(text, "x_position", "X 只能出现在最后一位")
    if len(text) == 18:
        return _check_18(text, today, upgraded=False, warnings=())
    if len(text) == 15 and "X" not in text:
        upgraded17 = text[:6] + "19" + text[6:]
        warning = IdIssue("upgraded_15", "15 位旧号码已升级为 18 位")
        return _check_18(upgraded17 + check_char(upgraded17), today, upgraded=True,
                         warnings=(warning,), cleaned=text)
    if len(text) == 17 and "X" not in text:
        return _fail(text, "length_17", "位数错误：17 位，应为 18 位（疑末位 X 或首位数字丢失）")
    return _fail(text, "length", f"位数错误：{len(text)} 位，应为 18 位")


_today_cache: list = [None, 0.0]


def _current_date() -> date:
    # date.today() costs about a microsecond; refreshing it once a minute is plenty.
    now = monotonic()
    if _today_cache[0] is None or now - _today_cache[1] > 60:
        _today_cache[0], _today_cache[1] = date.today(), now
    return _today_cache[0]


@lru_cache(maxsize=65536)
def _date_part(yyyymmdd: str, today: date) -> tuple[IdIssue | None, int]:
    """Date problem (or None) and the date digits' share of the weighted sum."""
    # Cached: a county has only tens of thousands of distinct birth dates.
    share = _weighted_sum(yyyymmdd, 6)
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return IdIssue("birth_date_invalid", f"出生日期无效：{yyyymmdd}"), share
    if born > today:
        return IdIssue("birth_date_future", f"出生日期晚于今天：{yyyymmdd}"), share
    if born < EARLIEST_BIRTH:
        return IdIssue("birth_date_too_early", f"出生日期早于 1900 年：{yyyymmdd}"), share
    return None, share


def _address_sum(address: str) -> int:
    share = _ADDRESS_SUMS.get(address)
    if share is None:
        share = _weighted_sum(address, 0)
        if len(_ADDRESS_SUMS) < _CACHE_LIMIT:  # bounded against garbage input
            _ADDRESS_SUMS[address] = share
    return share


def _check_18(text: str, today: date | None, upgraded: bool,
              warnings: tuple[IdIssue, ...], cleaned: str | None = None) -> IdResult:
    date_issue, date_share = _date_part(text[6:14], today or _current_date())
    expected = CHECK_CHARS[(_address_sum(text[:6]) + date_share
                            + _SEQUENCE_SUMS[text[14:17]]) % 11]
    shown = cleaned if cleaned is not None else text
    if date_issue is None and expected == text[17] and text[:2] in PROVINCE_CODES:
        return IdResult(text, (), warnings, upgraded, shown)  # the common case
    errors = (date_issue,) if date_issue else ()
    if expected != text[17]:
        errors += (IdIssue("check_char", f"校验位错误：应为 {expected}，实为 {text[17]}"),)
    if text[:2] not in PROVINCE_CODES:
        warnings = warnings + (IdIssue(
            "unknown_province", f"地址码未知：前两位 {text[:2]} 不是有效的省级代码"),)
    if errors:
        return IdResult(None, errors, warnings, upgraded, shown)
    return IdResult(text, (), warnings, upgraded, shown)
