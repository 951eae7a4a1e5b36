"""Row-level validation: raw cells in, typed values and report rows out.

Severity ``error`` means the value cannot be used (the field is treated as
empty; a row whose ID is in error becomes an invalid-ID record); ``warning``
means the value is used but looks wrong. The report keeps the original column
header and the cell as written so the uploader can find and fix it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Iterator

from webapp.idnumber import birth_date as id_birth_date
from webapp.idnumber import normalize_id
from webapp.idnumber import sex as id_sex
from webapp.intake import values as v
from webapp.intake.mapping import SOURCES
from webapp.intake.readers import RawRow
from webapp.intake.schemes import scheme_code

ERROR = "error"
WARNING = "warning"
_MEMO_LIMIT = 200_000  # per field kind; repeated words and dates dominate real files


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of the validation report."""

    row: int
    column: str
    value: str
    problem: str
    severity: str
    code: str


@dataclass(slots=True)
class ValidatedRow:
    """A row after validation: typed values by field name, and its report lines.

    ``values['id_number']`` is the canonical ID or None; ``id_raw`` keeps the
    cleaned text of an invalid one and ``id_errors`` its error codes.
    """

    number: int
    values: dict
    issues: list
    id_raw: str | None = None
    id_errors: tuple[str, ...] = ()


def _shown(value: object) -> str:
    return "" if value is None else str(value)


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015)."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARS[(31 - total % 31) % 31]


def check_credit_code(value: object):
    """Check a unified social credit code (GB 32100-2015); returns (code|None, problem, severity)."""
    text = "".join(str(value).split()).upper()
    if len(text) == 15 and text.isdigit():  # pre-2015 registration number: still seen
        return text, "旧版 15 位注册号，建议更新为统一社会信用代码", WARNING
    if len(text) != 18 or any(ch not in _USCC_CHARS for ch in text):
        return None, f"统一社会信用代码格式错误：{text}", ERROR
    expected = credit_code_check_char(text[:17])
    if expected != text[17]:
        return None, f"统一社会信用代码校验位错误：应为 {expected}，实为 {text[17]}", ERROR
    return text, None, None


def _text(value: object):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).split())
    return (text or None), None


def _code(value: object):
    # Household numbers and similar codes: a numeric Excel cell may have lost leading zeros.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = int(value) if float(value).is_integer() else value
        return str(number), "以数字格式存储，可能丢失前导零，请以文本格式导出"
    return "".join(str(value).split()) or None, None


def _name(value: object):
    text = "".join(str(value).split()).replace("•", "·").replace("．", "·").replace(".", "·")
    if not text:
        return None, None
    if any(ch.isdigit() for ch in text):
        return text, "姓名中含数字"
    return text, None


def _area_code(value: object):
    text, _ = _code(value)
    if text and (not text.isdigit() or len(text) not in (6, 9, 12)):
        return text, "区划代码应为 6、9 或 12 位数字"
    return text, None


class RowValidator:
    """Validate the rows of one file of one source under a header mapping.

    ``county_code``/``county_name`` classify insured places; ``today`` bounds
    birth dates (tests pin it).
    """

    def __init__(self, source_code: str, mapping: dict[str, str], *,
                 county_code: str = "341721", county_name: str = "东至县", today: date | None = None):
        self.source = SOURCES[source_code]
        self.today = today
        self.columns = [(header, field, self.source.field(field).kind)
                        for header, field in mapping.items()]
        self._memo: dict[str, dict] = {}
        self._header_of = {field: header for header, field, _ in self.columns}
        # A missing ID is reported by the ID checker itself ('empty').
        self._required = [(f.name, f.label, self._header_of[f.name]) for f in self.source.fields
                          if f.required and f.kind != "id" and f.name in self._header_of]
        word_tables = {
            "sex": (v.SEX_WORDS, "性别"), "person_status": (v.PERSON_STATUS_WORDS, "人员状态"),
            "register_kind": (v.REGISTER_KIND_WORDS, "人口类型"),
            "enroll_status": (v.ENROLL_STATUS_WORDS, "参保状态"),
            "contribution_status": (v.CONTRIBUTION_WORDS, "缴费状态"),
            "benefit_status": (v.BENEFIT_WORDS, "待遇状态"), "org_status": (v.ORG_STATUS_WORDS, "登记状态"),
        }
        self._parsers: dict[str, Callable] = {
            kind: (lambda value, t=table, w=what: v.parse_word(value, t, w))
            for kind, (table, what) in word_tables.items()
        }
        self._parsers.update({
            "date": v.parse_date, "month": v.parse_month, "text": _text, "code": _code,
            "name": _name, "area_code": _area_code,
            "place": lambda value: v.parse_place(value, county_code, county_name),
            "scheme": self._scheme,
        })

    @staticmethod
    def _scheme(value: object):
        code = scheme_code(value)
        return (code, None) if code else (None, f"险种无法识别：{_shown(value).strip()}")

    def _parse(self, kind: str, value: object):
        """Parse with a memo: the same status word or date repeats thousands of times."""
        memo = self._memo.setdefault(kind, {})
        key = (type(value), value)
        hit = memo.get(key)
        if hit is None:
            hit = self._parsers[kind](value)
            if len(memo) < _MEMO_LIMIT:
                memo[key] = hit
        return hit

    def validate(self, raw: RawRow) -> ValidatedRow:
        """Validate one raw row."""
        row = ValidatedRow(raw.number, {}, [])
        cells = raw.values
        for header, field, kind in self.columns:
            value = cells.get(header)
            if kind == "id":
                self._check_id(row, header, value)
            elif kind == "credit_code":
                if value is not None:
                    code, problem, severity = check_credit_code(value)
                    row.values[field] = code
                    if problem:
                        self._report(row, header, value, problem, severity, "credit_code")
            elif value is not None:
                parsed, problem = self._parse(kind, value)
                row.values[field] = parsed
                if problem:
                    # Unusable status words and dates are errors; odd-looking text is a warning.
                    severity = ERROR if parsed is None else WARNING
                    self._report(row, header, value, problem, severity, f"bad_{kind}")
        self._check_required(row)
        self._cross_check(row)
        return row

    def validate_all(self, rows: Iterable[RawRow]) -> Iterator[ValidatedRow]:
        """Validate a stream of rows lazily."""
        validate = self.validate
        for raw in rows:
            yield validate(raw)

    def _report(self, row, column, value, problem, severity, code):
        row.issues.append(ReportRow(row.number, column, _shown(value), problem, severity, code))

    def _check_id(self, row: ValidatedRow, header: str, value: object) -> None:
        result = normalize_id(value, today=self.today)
        row.values["id_number"] = result.canonical
        if not result.ok:
            row.id_raw = result.cleaned
            row.id_errors = result.error_codes
        for issue in result.errors:
            self._report(row, header, value, issue.message, ERROR, issue.code)
        for issue in result.warnings:
            self._report(row, header, value, issue.message, WARNING, issue.code)

    def _check_required(self, row: ValidatedRow) -> None:
        for name, label, header in self._required:
            if row.values.get(name) is None and not any(i.column == header for i in row.issues):
                self._report(row, header, None, f"{label}为空", ERROR, "missing")

    def _cross_check(self, row: ValidatedRow) -> None:
        values = row.values
        canonical = values.get("id_number")
        header_of = self._header_of
        if canonical:
            given_sex = values.get("sex")
            if given_sex and given_sex != id_sex(canonical):
                self._report(row, header_of["sex"], given_sex, "性别与身份证号不一致", WARNING, "sex_mismatch")
            given_birth = values.get("birth_date")
            if given_birth and given_birth != id_birth_date(canonical):
                self._report(row, header_of["birth_date"], given_birth, "出生日期与身份证号不一致",
                             WARNING, "birth_mismatch")
        status = values.get("person_status")
        if status == "deceased" and "death_date" in header_of and values.get("death_date") is None:
            self._report(row, header_of["death_date"], None, "人员状态为死亡但无死亡日期", WARNING,
                         "death_date_missing")
        if values.get("death_date") and status not in (None, "deceased", "cancelled"):
            self._report(row, header_of["death_date"], values["death_date"], "有死亡日期但人员状态不是死亡",
                         WARNING, "status_mismatch")
