"""Validation: raw cells in, typed values and report rows out.

Severity ``error`` means the value cannot be used (the field is treated as
empty; a row whose ID is in error becomes an invalid-ID record); ``warning``
means the value is used but looks wrong. The report keeps the original column
header and the cell as written so the uploader can find and fix it.

Files are validated a chunk of rows at a time, column by column: each column
is one kind of value, most kinds repeat a handful of words or dates, and a
column pass over a memo costs a fraction of a per-cell function call. This is
what lets a 500,000-row file validate in seconds.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import Callable

from webapp.idnumber import clean_canonical, normalize_id
from webapp.intake import values as v
from webapp.intake.mapping import SOURCES
from webapp.intake.readers import RawRow
from webapp.intake.schemes import scheme_code
from webapp.intake.values import check_credit_code, credit_code_check_char  # noqa: F401 (re-export)

ERROR = "error"
WARNING = "warning"
_MEMO_LIMIT = 200_000  # per column; repeated words and dates dominate real files
_MISS = object()  # "not in the memo" (None is a legitimate parsed value)
_SEX_OF_DIGIT = {str(d): ("M" if d % 2 else "F") for d in range(10)}
_WORD_KINDS = {
    "sex": (v.SEX_WORDS, "性别"), "person_status": (v.PERSON_STATUS_WORDS, "人员状态"),
    "register_kind": (v.REGISTER_KIND_WORDS, "人口类型"), "enroll_status": (v.ENROLL_STATUS_WORDS, "参保状态"),
    "contribution_status": (v.CONTRIBUTION_WORDS, "缴费状态"), "benefit_status": (v.BENEFIT_WORDS, "待遇状态"),
    "org_status": (v.ORG_STATUS_WORDS, "登记状态"),
}


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
class ValidatedChunk:
    """Validated rows, by column: ``columns[field][i]`` is row ``numbers[i]``'s value.

    ``id_problems`` maps a row index to (cleaned ID text, error codes) for rows
    whose ID is unusable (their ``id_number`` is None).
    """

    numbers: list
    columns: dict
    issues: list
    id_problems: dict

    def __len__(self) -> int:
        return len(self.numbers)

    def row_values(self, index: int) -> dict:
        """One row's values as {field: value}."""
        return {field: column[index] for field, column in self.columns.items()}


@dataclass(slots=True)
class ValidatedRow:
    """One validated row (the single-row view of a chunk, for tests and small uploads)."""

    number: int
    values: dict
    issues: list
    id_raw: str | None = None
    id_errors: tuple[str, ...] = ()


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _word_parser(table: dict, what: str) -> Callable:
    return lambda value: v.parse_word(value, table, what)


def _scheme(value: object):
    code = scheme_code(value)
    return (code, None) if code else (None, f"险种无法识别：{_shown(value).strip()}")


class RowValidator:
    """Validate the rows of one file of one source under a header mapping.

    ``headers`` are the file's headers when rows arrive as lists in file order
    (:meth:`validate_chunk`); without them rows are dicts (:meth:`validate`).
    ``county_code``/``county_name`` classify insured places; ``today`` bounds
    birth dates (tests pin it).
    """

    def __init__(self, source_code: str, mapping: dict[str, str], *, headers: list[str] | None = None,
                 county_code: str = "341721", county_name: str = "东至县", today: date | None = None):
        self.source = SOURCES[source_code]
        self.today = today
        self.columns = [(header, field, self.source.field(field).kind) for header, field in mapping.items()]
        self._positions = ([headers.index(h) for h, _, _ in self.columns] if headers
                           else list(range(len(self.columns))))
        self._header_of = {field: header for header, field, _ in self.columns}
        # A missing ID is reported by the ID checker itself ('empty').
        self._required = [(f.name, f.label, self._header_of[f.name]) for f in self.source.fields
                          if f.required and f.kind != "id" and f.name in self._header_of]
        # A bad credit code is an error where the code identifies the row (an organisation);
        # where it is only a reference (a person's employer) it warns and is left empty.
        self._bad_code_severity = {f.name: ERROR if f.required else WARNING for f in self.source.fields
                                   if f.kind == "credit_code"}
        parsers = {kind: _word_parser(table, what) for kind, (table, what) in _WORD_KINDS.items()}
        parsers.update({
            "date": v.parse_date, "month": v.parse_month, "text": v.parse_text, "code": v.parse_code,
            "name": v.parse_name, "area_code": v.parse_area_code, "scheme": _scheme,
            "place": lambda value: v.parse_place(value, county_code, county_name),
        })
        self._parsers = parsers
        self._memos = [{} for _ in self.columns]
        self._checked_codes: dict = {}
        self._ymd: dict = {}

    # -- entry points ------------------------------------------------------------
    def validate_chunk(self, numbers: list[int], rows: list[list]) -> ValidatedChunk:
        """Validate rows given as lists in file-header order."""
        cells_by_column = list(zip(*rows)) if rows else []
        chunk = ValidatedChunk(numbers, {}, [], {})
        for index, ((header, field, kind), position) in enumerate(zip(self.columns, self._positions)):
            column = cells_by_column[position] if rows else ()
            if kind == "id":
                chunk.columns[field] = self._ids(chunk, header, column)
            elif kind == "credit_code":
                chunk.columns[field] = self._credit_codes(chunk, header, column, self._bad_code_severity[field])
            elif kind == "text":
                chunk.columns[field] = _text_column(column)
            else:
                chunk.columns[field] = self._parsed(chunk, header, kind, column, self._memos[index])
        if rows:
            self._check_required(chunk)
            self._cross_check(chunk)
        return chunk

    def validate(self, raw: RawRow) -> ValidatedRow:
        """Validate one row given as {header: value}."""
        cells = [raw.values.get(header) for header, _, _ in self.columns]
        if self._positions != list(range(len(self.columns))):
            by_position = [None] * (max(self._positions) + 1)
            for position, cell in zip(self._positions, cells):
                by_position[position] = cell
            cells = by_position
        chunk = self.validate_chunk([raw.number], [cells])
        id_raw, id_errors = chunk.id_problems.get(0, (None, ()))
        return ValidatedRow(raw.number, chunk.row_values(0), chunk.issues, id_raw, id_errors)

    # -- columns -------------------------------------------------------------------
    def _issue(self, chunk, index, header, value, problem, severity, code):
        chunk.issues.append(ReportRow(chunk.numbers[index], header, _shown(value), problem, severity, code))

    def _ids(self, chunk: ValidatedChunk, header: str, column) -> list:
        today = self.today
        ids = [clean_canonical(cell, today) for cell in column]
        for index in [i for i, c in enumerate(ids) if c is None]:
            cell = column[index]
            result = normalize_id(cell, today=today)
            ids[index] = result.canonical
            if not result.ok:
                chunk.id_problems[index] = (result.cleaned, result.error_codes)
            for issue in result.errors:
                self._issue(chunk, index, header, cell, issue.message, ERROR, issue.code)
            for issue in result.warnings:
                self._issue(chunk, index, header, cell, issue.message, WARNING, issue.code)
        return ids

    def _credit_codes(self, chunk: ValidatedChunk, header: str, column, bad_severity: str) -> list:
        codes = []
        # A few thousand employers name half a million enrollment rows: check each code once.
        checked = self._checked_codes
        for index, cell in enumerate(column):
            if cell is None or cell == "":
                codes.append(None)
                continue
            verdict = checked.get(cell)
            if verdict is None:
                verdict = check_credit_code(cell)
                if len(checked) < _MEMO_LIMIT:
                    checked[cell] = verdict
            code, problem, severity = verdict
            codes.append(code)
            if problem:
                if severity == ERROR and bad_severity == WARNING:
                    problem, severity = problem + "（按单位名称比对）", WARNING
                self._issue(chunk, index, header, cell, problem, severity, "credit_code")
        return codes

    def _unique_values(self, chunk: ValidatedChunk, header: str, kind: str, column) -> list:
        values = list(column)
        # Names and household numbers nearly all differ, so no memo: a clean one
        # (letters only / letters and digits only) needs no parsing at all.
        clean = str.isalpha if kind == "name" else str.isalnum
        for index in [i for i, c in enumerate(column) if c is not None and not (c.__class__ is str and clean(c))]:
            cell = column[index]
            values[index], problem = self._parsers[kind](cell)
            if problem:
                self._issue(chunk, index, header, cell, problem, WARNING, f"bad_{kind}")
        return values

    def _parsed(self, chunk: ValidatedChunk, header: str, kind: str, column, memo: dict) -> list:
        if kind in ("name", "code"):
            return self._unique_values(chunk, header, kind, column)
        parse, get = self._parsers[kind], memo.get
        # The memo holds only values that parsed cleanly; everything else
        # (first sightings, and every problem value) goes through the parser.
        values = [None if c is None else get(c, _MISS) for c in column]
        for index in [i for i, value in enumerate(values) if value is _MISS]:
            cell = column[index]
            known = get(cell, _MISS)  # seen earlier in this very chunk (files come sorted by village)
            if known is not _MISS:
                values[index] = known
                continue
            parsed, problem = parse(cell)
            values[index] = parsed
            if problem is None:
                if len(memo) < _MEMO_LIMIT:
                    memo[cell] = parsed
            else:
                # Unusable status words and dates are errors; odd-looking values are warnings.
                self._issue(chunk, index, header, cell, problem, ERROR if parsed is None else WARNING,
                            f"bad_{kind}")
        return values

    # -- whole rows ------------------------------------------------------------------
    def _check_required(self, chunk: ValidatedChunk) -> None:
        for field, label, header in self._required:
            reported = {issue.row for issue in chunk.issues if issue.column == header}
            for index in [i for i, value in enumerate(chunk.columns[field]) if value is None]:
                if chunk.numbers[index] not in reported:
                    self._issue(chunk, index, header, None, f"{label}为空", ERROR, "missing")

    def _birth_text(self, day: date) -> str:
        text = self._ymd.get(day)
        if text is None:
            text = self._ymd[day] = f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return text

    def _cross_check(self, chunk: ValidatedChunk) -> None:
        columns, header_of = chunk.columns, self._header_of
        ids = columns.get("id_number")
        if ids is not None and "sex" in columns:
            for index in [i for i, (s, c) in enumerate(zip(columns["sex"], ids))
                          if s is not None and c is not None and s != _SEX_OF_DIGIT[c[16]]]:
                self._issue(chunk, index, header_of["sex"], columns["sex"][index], "性别与身份证号不一致",
                            WARNING, "sex_mismatch")
        if ids is not None and "birth_date" in columns:
            text = self._birth_text
            for index in [i for i, (b, c) in enumerate(zip(columns["birth_date"], ids))
                          if b is not None and c is not None and text(b) != c[6:14]]:
                self._issue(chunk, index, header_of["birth_date"], columns["birth_date"][index],
                            "出生日期与身份证号不一致", WARNING, "birth_mismatch")
        statuses, deaths = columns.get("person_status"), columns.get("death_date")
        if statuses is None or deaths is None:
            return
        for index, (status, death) in enumerate(zip(statuses, deaths)):
            if status == "deceased" and death is None:
                self._issue(chunk, index, header_of["death_date"], None, "人员状态为死亡但无死亡日期",
                            WARNING, "death_date_missing")
            elif death is not None and status not in (None, "deceased", "cancelled"):
                self._issue(chunk, index, header_of["death_date"], death, "有死亡日期但人员状态不是死亡",
                            WARNING, "status_mismatch")


def _text_column(column) -> list:
    """Free-text cells stripped, empty ones None."""
    try:  # CSV cells are all text: strip them at C speed
        return [text or None for text in map(str.strip, column)]
    except TypeError:  # numbers or empty cells from a spreadsheet
        return [(c.strip() or None) if c.__class__ is str else None if c is None else v.parse_text(c)[0]
                for c in column]


def intern_column(column: list) -> list:
    """The same strings, interned: repeated addresses and codes then share memory."""
    intern = sys.intern
    return [intern(value) if value.__class__ is str else value for value in column]
