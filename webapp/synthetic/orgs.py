"""The generated county's employers: market supervision and civil affairs files.

Enterprises (XLSX, as the market supervision bureau exports them) and social
organisations (GBK CSV from civil affairs), registered and cancelled, with
valid unified social credit codes except for a few typos the validator must
catch. Most active enterprises employ people enrolled in social insurance;
about a fifth do not, and most social organisations do not either (the
uninsured employers the comparison must find). Some of those, and some
cancelled ones, are named by terminated rows of former employees.

Enrollment rows name their employer the way the agency's system does
(:class:`EmployerCells`): with the credit code on about 60% of rows, otherwise
by name only, often written slightly differently (full-width brackets or
digits, stray spaces) so that only a normalised name matches; a row with the
code sometimes carries a short name that only the code matches.
"""
from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

from webapp.services.areas import generate_county as area_rows
from webapp.synthetic import data
from webapp.synthetic.output import date_text
from webapp.intake.values import credit_code_check_char

MARKET_FILE = "market_supervision_enterprises.xlsx"
CIVIL_FILE = "civil_affairs_organisations.csv"
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HIRING_SHARE = {"market_supervision": 0.8, "civil_affairs": 0.12}  # active organisations with enrolled staff
FORMER_SHARE = 0.5  # of the other active ones: former employees' rows are terminated
CODE_SHARE = 0.75  # rows of a "mixed" employer that carry its credit code (about 60% of all rows)
_FULLWIDTH = str.maketrans({**{str(i): chr(0xFF10 + i) for i in range(10)}, "(": "（", ")": "）"})
_HALFWIDTH = str.maketrans({"（": "(", "）": ")"})


class Employer(NamedTuple):
    """An organisation of the county's lists as enrollment rows may name it."""

    index: int  # its place in OrgPlan.orgs
    name: str  # as the organisation list writes it
    code: str  # the true credit code (the list may hold a typo of it)
    short: str | None  # a short name rows may carry with the code (None when the list's code is a typo)
    style: str  # "mixed"; "name_only": the agency never recorded its code; "short": code and short name


class OrgRow(NamedTuple):
    """One written organisation row and what the answer key needs of it."""

    source: str
    code: str  # as written
    name: str
    active: bool


class OrgPlan(NamedTuple):
    """What the people generator needs of the organisations, and what the answer key needs."""

    hiring: list  # Employer, repeated by size: pick one at random for a worker
    former: list  # Employer: only former employees' terminated rows name them
    orgs: list  # OrgRow, in file order (market supervision, then civil affairs)
    rows: dict  # file name -> rows written


def _credit_code(rng: random.Random, prefix: str, county_code: str) -> str:
    first17 = prefix + county_code + "".join(rng.choice(_CODE_ALPHABET) for _ in range(9))
    return first17 + credit_code_check_char(first17)


def _townships(config) -> list[tuple[str, str]]:
    return [(v.township, v.name) for v in data.villages_from_area_rows(area_rows(config.county_code,
                                                                                 config.county_name))]


def write_organisations(out_dir: Path, config, rng: random.Random) -> OrgPlan:
    """Write both files; return the plan of who employs whom."""
    from openpyxl import Workbook  # heavy import, only when writing

    county, county_code, as_of = config.county_name, config.county_code, config.as_of
    names, places = data.NameMaker(rng), _townships(config)
    plan = OrgPlan([], [], [], {})

    def decide(source, code, name, typo, cancelled):
        roll = rng.random()
        style = "name_only" if roll < 0.25 else "short" if roll < 0.35 and not typo else "mixed"
        employer = Employer(len(plan.orgs), name, code, None if typo else name[len(county):], style)
        plan.orgs.append(OrgRow(source, code[:17] + typo if typo else code, name, not cancelled))
        if not cancelled and rng.random() < HIRING_SHARE[source]:
            plan.hiring.extend([employer] * rng.randint(1, 5))  # some employ more than others
        elif cancelled or rng.random() < FORMER_SHARE:
            plan.former.append(employer)
        return plan.orgs[-1].code

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业登记")
    sheet.append(["统一社会信用代码", "企业名称", "企业类型", "法定代表人", "成立日期", "登记状态", "注销日期", "住所"])
    enterprises = max(20, config.people // 100)
    for index in range(enterprises):
        code = _credit_code(rng, "91", county_code)
        typo = ("0" if code[17] != "0" else "1") if rng.random() < 0.005 else ""  # the validator must catch it
        group = rng.random()
        name = (f"{county}{rng.choice(data.INDUSTRY_WORDS)}{index + 1:04d}"
                f"{'(集团)' if group < 0.05 else '（集团）' if group < 0.1 else ''}有限公司")
        founded = datetime(rng.randint(1995, as_of.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        cancelled = rng.random() < 0.08
        closed = date(as_of.year - 1, rng.randint(1, 12), rng.randint(1, 28)) if cancelled else None
        township, village = rng.choice(places)
        sheet.append([decide("market_supervision", code, name, typo, cancelled), name, "有限责任公司",
                      names.surname() + names.given("M"), founded, "注销" if cancelled else "存续",
                      date_text(closed, 0), f"{county}{township}{village}"])
    workbook.save(out_dir / MARKET_FILE)

    organisations = max(5, config.people // 2000)
    used: set[str] = set()
    with open(out_dir / CIVIL_FILE, "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["统一社会信用代码", "社会组织名称", "组织类型", "法定代表人", "登记日期", "登记状态",
                         "注销日期", "住所"])
        for index in range(organisations):
            prefix, kind = rng.choice((("51", "社会团体"), ("52", "民办非企业单位")))
            cancelled = rng.random() < 0.05
            township, village = rng.choice(places)
            word = rng.choice(data.ORG_WORDS)
            name = f"{county}{township}{word}"
            if name in used:  # one name, one organisation: a second one is the village's
                name = f"{county}{township}{village}{word}"
            if name in used:
                name = f"{county}{township}{village}第{index + 1}{word}"
            used.add(name)
            code = _credit_code(rng, prefix, county_code)
            writer.writerow([decide("civil_affairs", code, name, "", cancelled), name, kind,
                             names.surname() + names.given("F"),
                             date_text(date(rng.randint(2000, as_of.year), 3, 1), index),
                             "注销" if cancelled else "正常",
                             date_text(date(as_of.year, 1, 15), 0) if cancelled else "",
                             f"{county}{township}"])
    plan.rows.update({MARKET_FILE: enterprises, CIVIL_FILE: organisations})
    return plan


def name_variant(name: str, rng: random.Random) -> str:
    """The same organisation name as another system might type it (normalisation undoes it)."""
    roll = rng.random()
    if roll < 0.3:
        return name.translate(_FULLWIDTH) if "(" in name or rng.random() < 0.5 else name.translate(_HALFWIDTH)
    if roll < 0.6:
        return name + rng.choice((" ", "\u3000"))
    if roll < 0.8:
        return name[:3] + " " + name[3:]  # a space inside the name
    return name.translate(_HALFWIDTH) if "（" in name else name


class EmployerCells:
    """The employer name and code cells of enrollment rows, and which organisations they name.

    ``named`` holds the organisations a non-terminated row names (the insured
    ones), ``by_code`` those among them a row names by a usable code, and
    ``terminated`` those a terminated row names.
    """

    def __init__(self, employers, rng: random.Random):
        self.rng = rng
        self.employers = {e.name: e for e in employers}
        self.named: set[int] = set()
        self.by_code: set[int] = set()
        self.terminated: set[int] = set()

    def cells(self, employer_name: str, terminated: bool) -> tuple[str, str]:
        """(name cell, code cell) for a row naming ``employer_name``."""
        employer = self.employers.get(employer_name)
        if employer is None:  # not one of the county's organisations (a bureau, a firm elsewhere)
            return employer_name, ""
        rng = self.rng
        (self.terminated if terminated else self.named).add(employer.index)
        if employer.style == "name_only" or employer.style == "mixed" and rng.random() >= CODE_SHARE:
            return (name_variant(employer.name, rng) if rng.random() < 0.4 else employer.name), ""
        if rng.random() < 0.01:  # a code one character short: a warning, then the name must do
            return name_variant(employer.name, rng), employer.code[:17]
        if not terminated and employer.short is not None:  # the list's code is right: the code matches
            self.by_code.add(employer.index)
        if employer.style == "short" or employer.short is not None and rng.random() < 0.15:
            return employer.short, employer.code
        return employer.name, employer.code

    def finish(self) -> dict:
        """What the answer key needs (sorted lists, so the merge is the same in any process)."""
        return {"named": sorted(self.named), "by_code": sorted(self.by_code),
                "terminated": sorted(self.terminated)}
