"""Insurance schemes (险种): codes, Chinese names, synonyms, and which are basic.

A person may be in only one basic pension scheme and one basic medical scheme at
a time; :data:`BASIC_PENSION` and :data:`BASIC_MEDICAL` say which codes count.
Each scheme also has a bit, so per-person scheme sets are small ints in the
comparison (530,000 people: sets of strings would cost hundreds of MB).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scheme:
    """One insurance scheme."""

    code: str
    name: str
    synonyms: tuple[str, ...]
    bit: int


SCHEMES: tuple[Scheme, ...] = (
    Scheme("enterprise_pension", "企业职工基本养老保险",
           ("企业职工基本养老保险", "企业职工养老保险", "企业职工基本养老", "企业养老保险", "企业养老",
            "职工养老保险", "职工基本养老保险", "城镇职工基本养老保险", "城镇企业职工基本养老保险",
            "110"), 1 << 0),
    Scheme("resident_pension", "城乡居民基本养老保险",
           ("城乡居民基本养老保险", "城乡居民养老保险", "城乡居民基本养老", "居民养老保险", "居民养老",
            "城乡居保", "新农保", "新型农村社会养老保险", "城镇居民养老保险", "170"), 1 << 1),
    Scheme("civil_service_pension", "机关事业单位养老保险",
           ("机关事业单位养老保险", "机关事业单位基本养老保险", "机关事业养老", "机关养老保险",
            "机关事业单位养老", "120"), 1 << 2),
    Scheme("employee_medical", "职工基本医疗保险",
           ("职工基本医疗保险", "城镇职工基本医疗保险", "职工医保", "职工医疗保险", "城镇职工医保",
            "310"), 1 << 3),
    Scheme("resident_medical", "城乡居民基本医疗保险",
           ("城乡居民基本医疗保险", "城乡居民医疗保险", "城乡居民医保", "居民医保", "居民医疗保险",
            "新农合", "新型农村合作医疗", "城镇居民基本医疗保险", "城镇居民医保", "390"), 1 << 4),
    Scheme("unemployment", "失业保险", ("失业保险", "失业", "210"), 1 << 5),
    Scheme("work_injury", "工伤保险", ("工伤保险", "工伤", "410"), 1 << 6),
    Scheme("maternity", "生育保险", ("生育保险", "生育", "510"), 1 << 7),
)

SCHEMES_BY_CODE: dict[str, Scheme] = {s.code: s for s in SCHEMES}
BASIC_PENSION = frozenset({"enterprise_pension", "resident_pension", "civil_service_pension"})
BASIC_MEDICAL = frozenset({"employee_medical", "resident_medical"})
PENSION_MASK = sum(SCHEMES_BY_CODE[c].bit for c in BASIC_PENSION)
MEDICAL_MASK = sum(SCHEMES_BY_CODE[c].bit for c in BASIC_MEDICAL)


def _key(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")")


_LOOKUP: dict[str, str] = {}
for _scheme in SCHEMES:
    for _word in (_scheme.code, _scheme.name) + _scheme.synonyms:
        _LOOKUP[_key(_word)] = _scheme.code


def scheme_code(text: object) -> str | None:
    """Map a scheme name, synonym, code or national code to our code; None if unknown."""
    if text is None:
        return None
    return _LOOKUP.get(_key(str(text)))


def scheme_name(code: str) -> str:
    """Return the Chinese name of a scheme code."""
    return SCHEMES_BY_CODE[code].name


def codes_in_mask(mask: int) -> tuple[str, ...]:
    """Return the scheme codes whose bits are set in ``mask`` (in SCHEMES order)."""
    return tuple(s.code for s in SCHEMES if mask & s.bit)


def mask_of(codes) -> int:
    """Return the bit mask of an iterable of scheme codes."""
    mask = 0
    for code in codes:
        mask |= SCHEMES_BY_CODE[code].bit
    return mask
