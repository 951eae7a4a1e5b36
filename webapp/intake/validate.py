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

import re
import sys
from dataclasses import dataclass
from datetime import date

from webapp.idnumber import clean_canonical, normalize_id
from webapp.intake import values as v
from webapp.intake.mapping import SOURCES
from webapp.intake.readers import RawRow
from webapp.intake.values import check_credit_code, credit_code_check_char  # noqa: F401 (re-export)
from webapp.intake.vocabulary import ROW_ERROR, VOCABULARIES, is_coded, value_key, word_table

ERROR = "error"
WARNING = "warning"
_MEMO_LIMIT = 200_000  # per column; repeated words and dates dominate real files
_MISS = object()  # "not in the memo" (None is a legitimate parsed value)
_SEX_OF_DIGIT = {str(d): ("M" if d % 2 else "F") for d in range(10)}
_SAMPLE_ROWS = 5  # rows shown for each unknown value on the value-mapping page
# Summary rows of an export: "合计 6002人", "小计", "总计：5,024 条", or a row holding only a count.
_SUMMARY_WORD = re.compile(r"(合计|总计|小计|共计|累计|汇总|总人数|总户数|人数合计)")
_COUNT_ONLY = re.compile(r"(共|计|合计)?[:：]?[\d,，]+(人|户|条|行|名|家|个|笔)?")
# What identifies a row: blanked when the uploader said a value makes the row an error.
_ROW_KEYS = ("id_number", "credit_code", "org_name")


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


def is_summary_row(cells) -> bool:
    """Whether a row is an export's total or subtotal line, not a person or an organisation."""
    filled = ["".join(str(c).split()) for c in cells if c is not None and str(c).strip()]
    if not filled:
        return False
    if any(_SUMMARY_WORD.match(text) for text in filled):
        return True
    return len(filled) <= 2 and all(_COUNT_ONLY.fullmatch(text) for text in filled)


class RowValidator:
    """Validate the rows of one file of one source under a header mapping.

    ``headers`` are the file's headers when rows arrive as lists in file order
    (:meth:`validate_chunk`); without them rows are dicts (:meth:`validate`).
    ``county_code``/``county_name`` (the campaign's county, from the loaded
    areas; None only for sources without an insured place) classify insured
    places; ``today`` bounds
    birth dates (tests pin it). ``value_mapping`` ({field: {value: code, None
    or ROW_ERROR}}) holds the uploader's choices for words the vocabularies
    lack. Words nobody decided yet are collected in ``unknown_values``
    ({field: {value: [count, sample rows]}}); summary rows are skipped and
    listed in ``skipped_rows``.
    """

    def __init__(self, source_code: str, mapping: dict[str, str], *, headers: list[str] | None = None,
                 county_code: str | None = None, county_name: str | None = None, today: date | None = None,
                 value_mapping: dict | None = None):
        self.source = SOURCES[source_code]
        if (county_code is None or county_name is None) and any(
                self.source.field(field).kind == "place" for field in mapping.values()):
            raise ValueError("an insured place column needs the campaign's county code and name")
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
        self._parsers = {
            "date": v.parse_date, "month": v.parse_month, "text": v.parse_text, "code": v.parse_code,
            "name": v.parse_name, "area_code": v.parse_area_code,
            "place": lambda value: v.parse_place(value, county_code, county_name),
        }
        value_mapping = value_mapping or {}
        self._tables = {field: word_table(kind, source_code, value_mapping.get(field))
                        for _, field, kind in self.columns if is_coded(kind)}
        self.unknown_values: dict[str, dict[str, list]] = {}
        self.skipped_rows: list[tuple[int, str]] = []
        keys = [position for (_, field, _), position in zip(self.columns, self._positions)
                if field in ("id_number", "credit_code")]
        self._key_position = keys[0] if keys else None
        self._memos = [{} for _ in self.columns]
        self._checked_codes: dict = {}
        self._ymd: dict = {}

    # -- entry points ------------------------------------------------------------
    def validate_chunk(self, numbers: list[int], rows: list[list], skip_summaries: bool = True) -> ValidatedChunk:
        """Validate rows given as lists in file-header order (total and subtotal rows left out)."""
        if rows and skip_summaries and self._key_position is not None:
            numbers, rows = self._without_summary_rows(numbers, rows)
        cells_by_column = list(zip(*rows)) if rows else []
        chunk = ValidatedChunk(numbers, {}, [], {})
        marked: set = set()
        for index, ((header, field, kind), position) in enumerate(zip(self.columns, self._positions)):
            column = cells_by_column[position] if rows else ()
            if field in self._tables:
                chunk.columns[field] = self._coded(chunk, header, field, kind, column, self._memos[index], marked)
            elif kind == "id":
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
        for index in marked:  # the uploader said such a value makes the row unusable
            chunk.id_problems.pop(index, None)
            for key in _ROW_KEYS:
                if key in chunk.columns:
                    chunk.columns[key][index] = None
        return chunk

    def _without_summary_rows(self, numbers: list, rows: list):
        key = self._key_position
        # Only rows without an ID-like key (15 or 18 characters, or a credit code) can be
        # summaries: one cheap pass over that column.
        suspects = [i for i, row in enumerate(rows) if (cell := row[key]).__class__ is not str or len(cell) < 15]
        summaries = {i for i in suspects if is_summary_row(rows[i])}
        if not summaries:
            return numbers, rows
        for i in sorted(summaries):
            text = " ".join(str(c).strip() for c in rows[i] if c is not None and str(c).strip())
            self.skipped_rows.append((numbers[i], text[:100]))
        keep = [i for i in range(len(rows)) if i not in summaries]
        return [numbers[i] for i in keep], [rows[i] for i in keep]

    def validate(self, raw: RawRow) -> ValidatedRow:
        """Validate one row given as {header: value}."""
        cells = [raw.values.get(header) for header, _, _ in self.columns]
        if self._positions != list(range(len(self.columns))):
            by_position = [None] * (max(self._positions) + 1)
            for position, cell in zip(self._positions, cells):
                by_position[position] = cell
            cells = by_position
        chunk = self.validate_chunk([raw.number], [cells], skip_summaries=False)
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

    def _coded(self, chunk: ValidatedChunk, header: str, field: str, kind: str, column, memo: dict,
               marked: set) -> list:
        """A coded column through its word table; words nobody listed are collected, not guessed."""
        table, what, get = self._tables[field], VOCABULARIES[kind].what, memo.get
        values = [None if c is None else get(c, _MISS) for c in column]
        # Only first sightings and problem words reach this loop: a column holds a handful of words.
        for index in [i for i, value in enumerate(values) if value is _MISS]:
            cell = column[index]
            known = get(cell, _MISS)
            if known is not _MISS:
                values[index] = known
                continue
            key = value_key(cell)
            code = table.get(key, _MISS) if key else None
            if code is _MISS:
                values[index] = None
                seen = self.unknown_values.setdefault(field, {}).setdefault(key, [0, []])
                seen[0] += 1
                if len(seen[1]) < _SAMPLE_ROWS:
                    seen[1].append(chunk.numbers[index])
                self._issue(chunk, index, header, cell, f"{what}无法识别：{key}", ERROR, f"bad_{kind}")
            elif code == ROW_ERROR:
                values[index] = None
                marked.add(index)
                self._issue(chunk, index, header, cell, f"{what}“{key}”已标为错误行", ERROR, "value_marked_error")
            else:
                values[index] = code
                if len(memo) < _MEMO_LIMIT:
                    memo[cell] = code
        return values

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
