"""Writing the generated county: file formats, ID mess, and the answer key facts.

Each department file gets its own quirks, as in real life: the household
register is a GBK CSV, the health department sends a UTF-8-with-BOM CSV plus
one township as XLSX (where some IDs end up as numeric cells), the social
insurance system exports plain UTF-8. ID numbers are damaged or merely messed
up at the configured rates; only rows whose ID stays readable feed the facts.
"""
from __future__ import annotations

import codecs
import random
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from webapp.idnumber import check_char
from webapp.synthetic.answer_key import KEY_FILE, KEY_HEADER, AnswerKeyWriter, Facts
from webapp.synthetic.words import FileWords
from webapp.intake.schemes import scheme_name

REGISTER_FILE = "public_security_household.csv"
HEALTH_FILE = "health_resident_medical.csv"
HEALTH_XLSX_FILE = "health_resident_medical_{code}.xlsx"
SOCIAL_INSURANCE_FILE = "social_insurance_enrollment.csv"

REGISTER_HEADERS = ["户号", "户主姓名", "与户主关系", "姓名", "公民身份号码", "性别", "民族", "出生日期",
                    "人口类型", "人员状态", "死亡日期", "职业", "户籍地址", "现住址", "乡镇(街道)",
                    "村(社区)", "村(社区)代码", "联系电话"]
HEALTH_HEADERS = ["身份证号码", "姓名", "性别", "出生日期", "家庭住址", "所属乡镇", "参保状态", "参保日期"]
SI_HEADERS = ["社会保障号码", "姓名", "性别", "出生日期", "险种", "参保状态", "缴费状态", "待遇状态",
              "待遇发放至", "参保地", "单位名称", "单位统一社会信用代码", "参保日期"]
PERSON_FILES = {REGISTER_FILE: (REGISTER_HEADERS, "gbk"), HEALTH_FILE: (HEALTH_HEADERS, "utf-8-sig"),
                SOCIAL_INSURANCE_FILE: (SI_HEADERS, "utf-8")}
_FILE_KINDS = {REGISTER_FILE: "register", HEALTH_FILE: "health", SOCIAL_INSURANCE_FILE: "si"}
_FULLWIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)})
_SCHEME_SPELLINGS = {"resident_pension": ("城乡居民基本养老保险", "城乡居民养老保险"),
                     "enterprise_pension": ("企业职工基本养老保险", "企业职工养老保险")}


class Cover(NamedTuple):
    """One enrollment row to write (scheme words as the agency writes them)."""

    file: str  # 'si' or 'health'
    scheme: str
    status: str
    contribution: str
    benefit: str
    paid_until: date | None
    place: str
    employer: str
    enroll_date: date
    name: str | None  # a different spelling of the person's name, if injected


class Person:
    """One generated person (the truth, before any mess)."""

    __slots__ = ("id_number", "name", "sex", "birth", "age", "relation", "village", "household_no",
                 "register_address", "current_address", "head_name", "registered", "student",
                 "occupation", "status", "death_date", "in_register_file", "non_local_worker",
                 "injected")

    def __init__(self, id_number, name, sex, birth, age):
        self.id_number, self.name, self.sex, self.birth, self.age = id_number, name, sex, birth, age
        self.relation = self.village = self.household_no = None
        self.register_address = self.current_address = self.head_name = None
        self.registered, self.student, self.occupation = True, False, ""
        self.status, self.death_date = "normal", None
        self.in_register_file, self.non_local_worker = True, False
        self.injected: set = set()


_DATE_TEXT_MEMO: dict[date, tuple[str, str, str, str]] = {}


def date_text(day: date | None, style: int) -> str:
    """A date in one of four styles departments use (memoised: strftime is slow)."""
    if day is None:
        return ""
    texts = _DATE_TEXT_MEMO.get(day)
    if texts is None:
        y, m, d = day.year, day.month, day.day
        texts = (f"{y:04d}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y:04d}{m:02d}{d:02d}", f"{y}年{m}月{d}日")
        if len(_DATE_TEXT_MEMO) < 200_000:
            _DATE_TEXT_MEMO[day] = texts
    return texts[style % 4]


class PeopleWriter:
    """Writes one part of the person files (one township's people).

    Part files have no header and number their rows from 2 as if they had
    one; :func:`merge_parts` adds the headers and shifts row numbers. The
    XLSX township's health rows go straight to their final XLSX file.
    """

    def __init__(self, out_dir: Path, part_dir: Path, part: int, config, rng: random.Random):
        self.out_dir, self.config, self.rng = out_dir, config, rng
        self.rates = config.rates
        self.key = AnswerKeyWriter(part_dir / part_name(KEY_FILE, part), config.as_of)
        self._files, self._rows = {}, {}
        for name, (_, encoding) in PERSON_FILES.items():
            self._part_file(part_dir, name, part, "gbk" if encoding == "gbk" else "utf-8")
        self._xlsx_name = None
        self._workbooks = []
        self._damage_tables: dict = {}
        self._mess_total = self.rates["id_15_digit"] + self.rates["id_fullwidth"] + self.rates["id_spaces"]
        self.words = {name: file_words(config, name) for name in PERSON_FILES}
        self.employer_cells = None  # generator_orgs.EmployerCells: how rows name employers

    def _part_file(self, part_dir: Path, name: str, part: int, encoding: str) -> None:
        handle = open(part_dir / part_name(name, part), "w", encoding=encoding, newline="",
                      buffering=1 << 20)
        self._files[name] = (handle, handle.write)
        self._rows[name] = 1

    def _xlsx_sheet(self, name: str):
        from openpyxl import Workbook  # heavy import, only when writing

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Sheet1")
        self._workbooks.append((name, workbook))
        self.words[name] = file_words(self.config, name, HEALTH_FILE)
        sheet.append(self.words[name].headers)
        self._files[name] = (None, sheet)
        self._rows[name] = 1

    def _write(self, name: str, row: list) -> int:
        handle, write = self._files[name]
        row = self.words[name].wrap(row, self._rows[name] + 1)
        if handle is None:
            write.append(row)  # an openpyxl write-only sheet
        else:
            # We write every value ourselves and none holds a comma, quote or
            # newline, so joining is exact CSV, and five times faster than csv.writer.
            write(",".join(row) + "\r\n")
        self._rows[name] += 1
        return self._rows[name]

    # -- IDs -----------------------------------------------------------------
    def _damage_table(self, kind: str, has_x: bool):
        """Cumulative (limit, error) thresholds for one file kind; built once."""
        rates = self.rates
        table, limit = [], 0.0
        for error, rate in (("check_char", rates["id_bad_check"]),
                            ("birth_date_invalid", rates["id_bad_date"]),
                            ("excel", rates["id_excel_scientific"]),
                            ("excel_decimal", 0 if has_x else rates["id_decimal"]),
                            ("numeric_cell", 0 if kind != "xlsx" or has_x else rates["id_numeric_cell"])):
            limit += rate
            table.append((limit, error))
        return limit, table

    def render_id(self, canonical: str, kind: str):
        """Return (value to write, expected error code or None) for one row."""
        has_x = canonical[17] == "X"
        key = (kind, has_x)
        total, table = self._damage_tables.get(key) or self._damage_tables.setdefault(
            key, self._damage_table(kind, has_x))
        roll = self.rng.random()
        if roll < total:
            for limit, error in table:
                if roll < limit:
                    return self._damage(canonical, error, kind)
        if has_x and self.rng.random() < self.rates["id_lost_x"]:
            return canonical[:17], "length_17"
        return self._mess(canonical, kind, has_x), None

    def _damage(self, canonical: str, error: str, kind: str):
        if error == "check_char":
            wrong = "0123456789X".replace(canonical[17], "")
            return canonical[:17] + self.rng.choice(wrong), error
        if error == "birth_date_invalid":
            first17 = canonical[:10] + "13" + canonical[12:17]
            return first17 + check_char(first17), error
        number = int(canonical[:17] if canonical.endswith("X") else canonical)
        if kind == "xlsx" or error == "numeric_cell":
            return float(number), "excel_number"  # a numeric cell: openpyxl reads a float
        if error == "excel_decimal":
            return canonical + ".0", error
        return f"{number:.5E}", "excel_scientific"

    def _mess(self, canonical: str, kind: str, has_x: bool) -> str:
        rng, rates = self.rng, self.rates
        if has_x and rng.random() < rates["id_lowercase_x"]:
            canonical = canonical[:17] + "x"
        roll = rng.random()
        if roll >= self._mess_total:
            return canonical
        if roll < rates["id_15_digit"] and canonical[6:8] == "19":
            return canonical[:6] + canonical[8:17]
        roll -= rates["id_15_digit"]
        if roll < rates["id_fullwidth"]:
            return canonical.translate(_FULLWIDTH)
        roll -= rates["id_fullwidth"]
        if roll < rates["id_spaces"]:
            space = rng.choice((" ", "\u3000") if kind == "gbk" else (" ", "\u3000", "\u00a0"))
            return rng.choice((f"{canonical[:6]} {canonical[6:14]} {canonical[14:]}",
                               space + canonical, canonical + space))
        return canonical

    def _readable(self, source, file_name, row, value, error) -> bool:
        if error is None:
            return True
        self.key.invalid_row(source, file_name, row, value, error)
        return False

    # -- people --------------------------------------------------------------
    def person(self, person: Person, covers: list[Cover]) -> None:
        """Write a person's register row and enrollment rows; record the facts."""
        facts = Facts()
        seen = False
        if person.in_register_file:
            seen |= self._register_row(person, facts)
        for cover in covers:
            seen |= self._cover_row(person, cover, facts)
        if seen:
            facts.injected = person.injected
            self.key.person(person.id_number, facts)

    def _register_row(self, person: Person, facts: Facts) -> bool:
        value, error = self.render_id(person.id_number, "gbk")
        village = person.village
        rng, words = self.rng, self.words[REGISTER_FILE]
        row = self._write(REGISTER_FILE, [
            person.household_no, person.head_name, person.relation, person.name, value,
            words.word("sex", person.sex), "汉族" if rng.random() < 0.995 else "回族", date_text(person.birth, 2),
            words.word("register_kind", "户籍人口" if person.registered else "流动人口"),
            words.word("person_status", person.status),
            date_text(person.death_date, rng.randrange(4)), person.occupation,
            person.register_address, person.current_address or "", village.township, village.name,
            village.code, f"1{rng.choice('3578')}{rng.getrandbits(30) % 10**9:09d}"])
        if not self._readable("public_security", REGISTER_FILE, row, value, error):
            return False
        facts.in_register, facts.register_status = True, person.status
        facts.registered, facts.student, facts.death_date = person.registered, person.student, person.death_date
        facts.names.add(person.name)
        return True

    def _cover_row(self, person: Person, cover: Cover, facts: Facts) -> bool:
        name = cover.name or person.name
        if cover.file == "health":
            in_xlsx = self.config.xlsx_township and person.village.township == self.config.xlsx_township
            file_name = self._health_xlsx(person) if in_xlsx else HEALTH_FILE
            value, error = self.render_id(person.id_number, "xlsx" if in_xlsx else "utf8")
            birth = datetime(person.birth.year, person.birth.month, person.birth.day) if in_xlsx \
                else date_text(person.birth, 1)
            words = self.words[file_name]
            row = self._write(file_name, [
                value, name, words.word("sex", person.sex), birth, person.register_address or "",
                person.village.township, words.word("enroll_status", cover.status), date_text(cover.enroll_date, 0)])
            source = "health"
        else:
            file_name = SOCIAL_INSURANCE_FILE
            value, error = self.render_id(person.id_number, "utf8")
            spelling = self.rng.choice(_SCHEME_SPELLINGS.get(cover.scheme, (scheme_name(cover.scheme),)))
            paid_until = cover.paid_until
            employer, employer_code = (cover.employer, "") if not cover.employer or self.employer_cells is None \
                else self.employer_cells.cells(cover.employer, cover.status == "终止参保")
            words = self.words[file_name]
            row = self._write(file_name, [
                value, name, words.word("sex", person.sex), date_text(person.birth, 0), spelling,
                words.word("enroll_status", cover.status), words.word("contribution", cover.contribution),
                words.word("benefit", cover.benefit),
                date_text(paid_until, 2)[:6] if paid_until else "", cover.place, employer, employer_code,
                date_text(cover.enroll_date, 0)])
            source = "social_insurance"
        if not self._readable(source, file_name, row, value, error):
            return False
        facts.add_enrollment(cover.scheme, name, cover.status == "终止参保",
                             cover.place == self.config.county_name, cover.benefit == "正常享受",
                             cover.paid_until)
        return True

    def _health_xlsx(self, person: Person) -> str:
        if self._xlsx_name is None:
            self._xlsx_name = HEALTH_XLSX_FILE.format(code=person.village.code[6:9])
            self._xlsx_sheet(self._xlsx_name)
        return self._xlsx_name

    def close(self) -> dict:
        """Close the part's files; return what the merge needs to know."""
        for handle, _ in self._files.values():
            if handle is not None:
                handle.close()
        for name, workbook in self._workbooks:
            if self.config.total_rows:
                self._files[name][1].append(self.words[name].total_row(self._rows[name] - 1))
            workbook.save(self.out_dir / name)
        invalid_rows, counts = self.key.finish()
        return {"rows": {name: rows - 1 for name, rows in self._rows.items()},
                "invalid_rows": invalid_rows, "counts": counts, "xlsx": self._xlsx_name,
                "employers": self.employer_cells.finish() if self.employer_cells else {}}


def part_name(name: str, part: int) -> str:
    """File name of one part of a merged output file."""
    return f"{name}.part{part:02d}"


def file_words(config, name: str, kind_of: str | None = None) -> FileWords:
    """How file ``name`` words its coded columns and headers (the same in every part)."""
    headers = PERSON_FILES[kind_of or name][0]
    return FileWords(config.seed, name, _FILE_KINDS[kind_of or name], headers, varied=config.word_variants,
                     unlisted=config.unlisted_words, odd_headers=config.odd_headers)


def merge_parts(out_dir: Path, part_dir: Path, parts: list[dict], config=None) -> tuple[dict, list, dict]:
    """Concatenate the parts into the final files, shifting invalid-row numbers.

    Returns (rows per file, invalid rows, summed counts). Parts are merged in
    the order given, so the result does not depend on which process made which.
    ``config`` gives each file its headers (and a closing total row if asked).
    """
    rows: dict[str, int] = {}
    invalid: list[tuple] = []
    counts: dict[str, int] = {}
    offsets = {name: 0 for name in PERSON_FILES}
    for index, part in enumerate(parts):
        for source, file_name, row, value, code in part["invalid_rows"]:
            invalid.append((source, file_name, row + offsets.get(file_name, 0), value, code))
        for name, count in part["rows"].items():
            rows[name] = rows.get(name, 0) + count
            if name in offsets:
                offsets[name] += count
        for key, count in part["counts"].items():
            counts[key] = counts.get(key, 0) + count
    for name, (headers, encoding) in {**PERSON_FILES, KEY_FILE: (None, "utf-8")}.items():
        with open(out_dir / name, "wb") as target:
            if encoding == "utf-8-sig":
                target.write(codecs.BOM_UTF8)
            words = file_words(config, name) if config is not None and headers is not None else None
            header_line = KEY_HEADER if headers is None else ",".join(words.headers if words else headers) + "\r\n"
            target.write(header_line.encode("gbk" if encoding == "gbk" else "utf-8"))
            for index in range(len(parts)):
                piece = part_dir / part_name(name, index)
                with open(piece, "rb") as source_handle:
                    shutil.copyfileobj(source_handle, target, 1 << 20)
                piece.unlink()
            if words is not None and config.total_rows:
                line = ",".join(words.total_row(rows.get(name, 0))) + "\r\n"
                target.write(line.encode("gbk" if encoding == "gbk" else "utf-8"))
    return rows, invalid, dict(sorted(counts.items()))
