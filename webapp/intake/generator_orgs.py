"""The generated county's employers: market supervision and civil affairs files.

Enterprises (XLSX, as the market supervision bureau exports them) and social
organisations (GBK CSV from civil affairs), registered and cancelled, with
valid unified social credit codes except for a few typos the validator must
catch. The enterprise names double as the employers in enrollment rows.
"""
from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path

from webapp.intake import generator_data as data
from webapp.intake.generator_output import date_text
from webapp.intake.values import credit_code_check_char

MARKET_FILE = "market_supervision_enterprises.xlsx"
CIVIL_FILE = "civil_affairs_organisations.csv"
_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _credit_code(rng: random.Random, prefix: str, county_code: str) -> str:
    first17 = prefix + county_code + "".join(rng.choice(_CODE_ALPHABET) for _ in range(9))
    return first17 + credit_code_check_char(first17)


def write_organisations(out_dir: Path, config, rng: random.Random) -> tuple[list[str], dict]:
    """Write both files; return (active employer names, rows per file)."""
    from openpyxl import Workbook  # heavy import, only when writing

    county, county_code, as_of = config.county_name, config.county_code, config.as_of
    names = data.NameMaker(rng)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业登记")
    sheet.append(["统一社会信用代码", "企业名称", "企业类型", "法定代表人", "成立日期", "登记状态", "注销日期", "住所"])
    employers = []
    enterprises = max(20, config.people // 100)
    for index in range(enterprises):
        code = _credit_code(rng, "91", county_code)
        if rng.random() < 0.005:
            code = code[:17] + ("0" if code[17] != "0" else "1")  # a typo the validator must catch
        name = f"{county}{rng.choice(data.INDUSTRY_WORDS)}{index + 1:04d}有限公司"
        founded = datetime(rng.randint(1995, as_of.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        cancelled = rng.random() < 0.08
        closed = date(as_of.year - 1, rng.randint(1, 12), rng.randint(1, 28)) if cancelled else None
        if not cancelled:
            employers.append(name)
        sheet.append([code, name, "有限责任公司", names.surname() + names.given("M"), founded,
                      "注销" if cancelled else "存续", date_text(closed, 0), county])
    workbook.save(out_dir / MARKET_FILE)

    organisations = max(5, config.people // 2000)
    with open(out_dir / CIVIL_FILE, "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["统一社会信用代码", "社会组织名称", "组织类型", "法定代表人", "登记日期", "登记状态",
                         "注销日期", "住所"])
        for index in range(organisations):
            prefix, kind = rng.choice((("51", "社会团体"), ("52", "民办非企业单位")))
            cancelled = rng.random() < 0.05
            writer.writerow([_credit_code(rng, prefix, county_code), f"{county}{rng.choice(data.ORG_WORDS)}",
                             kind, names.surname() + names.given("F"),
                             date_text(date(rng.randint(2000, as_of.year), 3, 1), index),
                             "注销" if cancelled else "正常",
                             date_text(date(as_of.year, 1, 15), 0) if cancelled else "", county])
    return employers, {MARKET_FILE: enterprises, CIVIL_FILE: organisations}
