"""Writing the generated county: file formats, ID mess, and the answer key facts.

Each department file gets its own quirks, as in real life: the household
register is a GBK CSV, the health department sends a UTF-8-with-BOM CSV plus
one township as XLSX (where some IDs end up as numeric cells), the social
insurance system exports plain UTF-8. ID numbers are damaged or merely messed
up at the configured rates; only rows whose ID stays readable feed the facts.
"""
from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from webapp.idnumber import check_char
from webapp.intake import generator_data as data
from webapp.intake.answer_key import AnswerKeyWriter, Facts
from webapp.intake.schemes import scheme_name
from webapp.intake.validate import credit_code_check_char

REGISTER_FILE = "public_security_household.csv"
HEALTH_FILE = "health_resident_medical.csv"
HEALTH_XLSX_FILE = "health_resident_medical_{code}.xlsx"
SOCIAL_INSURANCE_FILE = "social_insurance_enrollment.csv"
MARKET_FILE = "market_supervision_enterprises.xlsx"
CIVIL_FILE = "civil_affairs_organisations.csv"

REGISTER_HEADERS = ["户号", "户主姓名", "与户主关系", "姓名", "公民身份号码", "性别", "民族", "出生日期",
                    "人口类型", "人员状态", "死亡日期", "职业", "户籍地址", "现住址", "乡镇(街道)",
                    "村(社区)", "村(社区)代码", "联系电话"]
HEALTH_HEADERS = ["身份证号码", "姓名", "性别", "出生日期", "家庭住址", "所属乡镇", "参保状态", "参保日期"]
SI_HEADERS = ["社会保障号码", "姓名", "性别", "出生日期", "险种", "参保状态", "缴费状态", "待遇状态",
              "待遇发放至", "参保地", "单位名称", "参保日期"]
_STATUS_WORD = {"normal": "正常", "deceased": "死亡", "moved_out": "迁出", "cancelled": "注销"}
_SEX_WORD = {"M": "男", "F": "女"}
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


def _date_text(day: date | None, style: int) -> str:
    if day is None:
        return ""
    return (f"{day:%Y-%m-%d}", f"{day.year}/{day.month}/{day.day}", f"{day:%Y%m%d}",
            f"{day.year}年{day.month}月{day.day}日")[style % 4]


class CountyWriter:
    """Owns the output files; ``person()`` writes one person's rows everywhere."""

    def __init__(self, out_dir: Path, config, rng: random.Random):
        self.out_dir, self.config, self.rng = out_dir, config, rng
        self.rates = config.rates
        self.key = AnswerKeyWriter(out_dir, config.as_of)
        self._files, self._rows = {}, {}
        self._csv(REGISTER_FILE, REGISTER_HEADERS, "gbk")
        self._csv(HEALTH_FILE, HEALTH_HEADERS, "utf-8-sig")
        self._csv(SOCIAL_INSURANCE_FILE, SI_HEADERS, "utf-8")
        self._xlsx_name = None
        self._workbooks = []

    def _csv(self, name: str, headers: list[str], encoding: str) -> None:
        handle = open(self.out_dir / name, "w", encoding=encoding, newline="")
        writer = csv.writer(handle)
        writer.writerow(headers)
        self._files[name] = (handle, writer)
        self._rows[name] = 1

    def _xlsx_sheet(self, name: str, headers: list[str]):
        from openpyxl import Workbook  # heavy import, only when writing

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Sheet1")
        sheet.append(headers)
        self._workbooks.append((name, workbook))
        self._files[name] = (None, sheet)
        self._rows[name] = 1

    def _write(self, name: str, row: list) -> int:
        handle, writer = self._files[name]
        if handle is None:
            writer.append(row)  # an openpyxl write-only sheet
        else:
            writer.writerow(row)
        self._rows[name] += 1
        return self._rows[name]

    # -- IDs -----------------------------------------------------------------
    def render_id(self, canonical: str, kind: str):
        """Return (value to write, expected error code or None) for one row."""
        rng, rates = self.rng, self.rates
        has_x = canonical.endswith("X")
        roll = rng.random()
        for error, rate in (("check_char", rates["id_bad_check"]),
                            ("birth_date_invalid", rates["id_bad_date"]),
                            ("excel", rates["id_excel_scientific"]),
                            ("excel_decimal", 0 if has_x else rates["id_decimal"]),
                            ("numeric_cell", 0 if kind != "xlsx" or has_x else rates["id_numeric_cell"])):
            if roll < rate:
                return self._damage(canonical, error, kind)
            roll -= rate
        if has_x and rng.random() < rates["id_lost_x"]:
            return canonical[:17], "length_17"
        return self._mess(canonical, kind), None

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

    def _mess(self, canonical: str, kind: str) -> str:
        rng, rates = self.rng, self.rates
        if canonical.endswith("X") and rng.random() < rates["id_lowercase_x"]:
            canonical = canonical[:17] + "x"
        roll = rng.random()
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
        rng = self.rng
        row = self._write(REGISTER_FILE, [
            person.household_no, person.head_name, person.relation, person.name, value,
            _SEX_WORD[person.sex], "汉族" if rng.random() < 0.995 else "回族", f"{person.birth:%Y%m%d}",
            "户籍人口" if person.registered else "流动人口", _STATUS_WORD[person.status],
            _date_text(person.death_date, rng.randrange(4)), person.occupation,
            person.register_address, person.current_address or "", village.township, village.name,
            village.code, f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"])
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
                else _date_text(person.birth, 1)
            row = self._write(file_name, [
                value, name, _SEX_WORD[person.sex], birth, person.register_address or "",
                person.village.township, cover.status, f"{cover.enroll_date:%Y-%m-%d}"])
            source = "health"
        else:
            file_name = SOCIAL_INSURANCE_FILE
            value, error = self.render_id(person.id_number, "utf8")
            spelling = self.rng.choice(_SCHEME_SPELLINGS.get(cover.scheme, (scheme_name(cover.scheme),)))
            paid_until = cover.paid_until
            row = self._write(file_name, [
                value, name, _SEX_WORD[person.sex], f"{person.birth:%Y-%m-%d}", spelling, cover.status,
                cover.contribution, cover.benefit,
                f"{paid_until:%Y%m}" if paid_until else "", cover.place, cover.employer,
                f"{cover.enroll_date:%Y-%m-%d}"])
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
            self._xlsx_sheet(self._xlsx_name, HEALTH_HEADERS)
        return self._xlsx_name

    # -- organisations ---------------------------------------------------------
    def _credit_code(self, prefix: str) -> str:
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        first17 = prefix + self.config.county_code + "".join(self.rng.choice(alphabet) for _ in range(9))
        return first17 + credit_code_check_char(first17)

    def write_organisations(self, rng: random.Random, people: int) -> list[str]:
        """Write the enterprise and social-organisation files; return employer names."""
        county, as_of = self.config.county_name, self.config.as_of
        self._xlsx_sheet(MARKET_FILE, ["统一社会信用代码", "企业名称", "企业类型", "法定代表人", "成立日期",
                                       "登记状态", "注销日期", "住所"])
        names = data.NameMaker(rng)
        employers = []
        for index in range(max(20, people // 100)):
            code = self._credit_code("91")
            if rng.random() < 0.005:
                code = code[:17] + ("0" if code[17] != "0" else "1")  # a typo the validator must catch
            name = f"{county}{rng.choice(data.INDUSTRY_WORDS)}{index + 1:04d}有限公司"
            founded = date(rng.randint(1995, as_of.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            cancelled = rng.random() < 0.08
            closed = date(as_of.year - 1, rng.randint(1, 12), rng.randint(1, 28)) if cancelled else None
            if not cancelled:
                employers.append(name)
            self._write(MARKET_FILE, [code, name, "有限责任公司", names.surname() + names.given("M"),
                                      datetime(founded.year, founded.month, founded.day),
                                      "注销" if cancelled else "存续", _date_text(closed, 0), county])
        self._csv(CIVIL_FILE, ["统一社会信用代码", "社会组织名称", "组织类型", "法定代表人", "登记日期",
                               "登记状态", "注销日期", "住所"], "gbk")
        for index in range(max(5, people // 2000)):
            kind = rng.choice((("51", "社会团体"), ("52", "民办非企业单位")))
            cancelled = rng.random() < 0.05
            self._write(CIVIL_FILE, [self._credit_code(kind[0]), f"{county}{rng.choice(data.ORG_WORDS)}",
                                     kind[1], names.surname() + names.given("F"),
                                     _date_text(date(rng.randint(2000, as_of.year), 3, 1), index),
                                     "注销" if cancelled else "正常",
                                     _date_text(date(as_of.year, 1, 15), 0) if cancelled else "", county])
        return employers

    def close(self) -> dict:
        """Close every file, write the answer key summary, and return it."""
        for handle, _ in self._files.values():
            if handle is not None:
                handle.close()
        for name, workbook in self._workbooks:
            workbook.save(self.out_dir / name)
        files = {name: rows - 1 for name, rows in self._rows.items()}
        summary = {"seed": self.config.seed, "people": self.config.people,
                   "county_code": self.config.county_code, "files": files, "rates": self.rates,
                   "sources": {REGISTER_FILE: "public_security", HEALTH_FILE: "health",
                               SOCIAL_INSURANCE_FILE: "social_insurance", MARKET_FILE: "market_supervision",
                               CIVIL_FILE: "civil_affairs",
                               **({self._xlsx_name: "health"} if self._xlsx_name else {})}}
        self.key.close(summary)
        return summary
