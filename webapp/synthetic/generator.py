"""Synthetic county: households, people and their insurance, with mess at known rates.

:func:`generate_county` writes the department files a real county would
receive (household register, health resident medical, social insurance
enrollment, enterprises, social organisations) plus an answer key. Townships are generated as independent parts (in
parallel processes) and streamed to disk, so 530,000 people never sit in
memory together. A seed and an as-of date reproduce the same county byte for
byte, whatever the number of processes.
"""
from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from webapp.idnumber import make_id
from webapp.services.areas import generate_county as area_rows
from webapp.synthetic import data
from webapp.synthetic.answer_key import write_employer_key, write_key_files
from webapp.synthetic.coverage_plan import plan_coverage
from webapp.synthetic.orgs import CIVIL_FILE, MARKET_FILE, EmployerCells, write_organisations
from webapp.synthetic.output import (HEALTH_FILE, REGISTER_FILE, SOCIAL_INSURANCE_FILE, Cover, Person,
                                     PeopleWriter, merge_parts)

DEFAULT_RATES = {
    # register status and kinds of people
    "deceased": 0.012, "moved_out": 0.012, "cancelled": 0.004,
    "non_registered_resident": 0.015, "non_registered_insured": 0.5, "non_local_insured": 0.02,
    "other_province_worker": 0.05, "province_worker": 0.01,
    # rule-based problems
    "duplicate_pension": 0.004, "duplicate_medical": 0.006, "duplicate_benefit": 0.01,
    "benefit_after_death": 0.15, "name_conflict": 0.004,
    # ID damage (errors) per person row, and valid-but-messy forms
    "id_bad_check": 0.001, "id_bad_date": 0.0003, "id_excel_scientific": 0.001,
    "id_decimal": 0.0005, "id_lost_x": 0.02, "id_numeric_cell": 0.03,
    "id_15_digit": 0.01, "id_lowercase_x": 0.3, "id_fullwidth": 0.003, "id_spaces": 0.005,
}


@dataclass
class CountyConfig:
    """Everything that shapes a generated county."""

    people: int = 530_000
    seed: int = 20170525
    county_code: str = "341721"
    county_name: str = "东至县"
    address_prefix: str = "安徽省池州市"
    as_of: date | None = None
    xlsx_township: str | None = "木塔乡"  # its health rows go to an XLSX file
    rates: dict = field(default_factory=lambda: dict(DEFAULT_RATES))
    # How files word things (generator_words): each file its own spellings of coded words;
    # optionally a word no vocabulary lists, headers no synonym knows, and a closing total row.
    word_variants: bool = True
    unlisted_words: bool = False
    odd_headers: bool = False
    total_rows: bool = False


class _IdMaker:
    """Unique valid IDs: a sequence counter per (area, birth date, sex) within a block.

    Each part (township) owns a block of 64 sequence numbers, the way a
    police station owns a range, so parts never collide.
    """

    BLOCK = 64

    def __init__(self, rng: random.Random, block: int):
        self.rng = rng
        self.base = block * self.BLOCK
        self.next_index: dict[tuple, int] = {}

    def make(self, area: str, birth: date, sex: str) -> str:
        while True:
            key = (area, birth, sex)
            index = self.next_index.get(key)
            if index is None:
                index = self.rng.randrange(0, 8)
            if index < self.BLOCK // 2:
                self.next_index[key] = index + 1
                return make_id(area, birth, self.base + 2 * index + (1 if sex == "M" else 2))
            birth += timedelta(days=1)  # this day's block is full: born a day later


class CountyGenerator:
    """Builds people household by household and hands them to a CountyWriter."""

    def __init__(self, config: CountyConfig, writer: PeopleWriter, rng: random.Random, part: int = 0):
        self.config = config
        self.rates = config.rates
        self.as_of = config.as_of
        self.writer = writer
        self.rng = rng
        self.names = data.NameMaker(rng)
        self.ids = _IdMaker(rng, part)
        self.employers: list[str] = []
        self.former_employers: list[str] = []
        # Enrollment dates: 60 days to 10 years before the as-of date (a list: cheap to pick from).
        self.recent_days = [self.as_of - timedelta(days=n) for n in range(60, 3651)]

    # -- people ------------------------------------------------------------
    def _birth(self, age: int) -> date:
        days = int(age * 365.25) + self.rng.randint(0, 364)
        born = self.as_of - timedelta(days=days)
        return max(born, date(1905, 1, 1))

    def _area_for(self, born: date, local: bool) -> str:
        if not local:
            return self.rng.choice(data.ELSEWHERE_AREAS)
        roll = self.rng.random()
        if born.year < 2000 and roll < 0.06:
            return "342921"  # Dongzhi's code before Chizhou became a city: still valid
        if roll < 0.10:
            return self.rng.choice(data.ELSEWHERE_AREAS[:6])  # born elsewhere in Anhui
        return self.config.county_code

    def _member(self, relation, age, sex, surname, village, household_no, address,
                head_name, registered) -> Person:
        rng = self.rng
        born = self._birth(max(0, min(age, 100)))
        age = self.as_of.year - born.year - ((self.as_of.month, self.as_of.day) < (born.month, born.day))
        person = Person(self.ids.make(self._area_for(born, registered), born, sex),
                        surname + self.names.given(sex), sex, born, age)
        person.relation, person.village, person.household_no = relation, village, household_no
        person.register_address, person.head_name, person.registered = address, head_name, registered
        if rng.random() < 0.12:
            person.current_address = rng.choice(data.OTHER_PROVINCE_PLACES) + "务工租住地"
        elif rng.random() < 0.5:
            person.current_address = address  # otherwise left empty: filled from the register
        if 6 <= age <= 15:
            person.student = rng.random() < 0.9
        elif 16 <= age <= 18:
            person.student = rng.random() < 0.8
        elif 19 <= age <= 22:
            person.student = rng.random() < 0.45
        person.occupation = ("学生" if person.student else "学龄前儿童" if age < 6
                             else rng.choice(("农民", "农民", "务工", "个体", "职工", "无业")) if age < 60
                             else "退休" if rng.random() < 0.2 else "农民")
        roll = rng.random()
        old = age >= 60
        if roll < self.rates["deceased"] * (3 if old else 0.3):
            person.status = "deceased"
            person.death_date = self.as_of - timedelta(days=rng.randint(40, 900))
        elif roll < 0.5 and rng.random() < self.rates["moved_out"] * 2:
            person.status = "moved_out"
        elif roll >= 0.5 and rng.random() < self.rates["cancelled"] * 2:
            person.status = "cancelled"
        return person

    def household(self, village: data.Village, household_no: str, size: int,
                  registered: bool = True) -> list[Person]:
        """Create one household of ``size`` people."""
        rng = self.rng
        head_age = int(rng.triangular(20, 90, 48)) if registered else rng.randint(20, 50)
        head_sex = "M" if rng.random() < 0.8 else "F"
        surname = self.names.surname()
        group = rng.randint(1, 12)
        address = (f"{self.config.address_prefix}{self.config.county_name}{village.township}"
                   f"{village.name}{group}组{rng.randint(1, 99)}号")
        head = self._member("户主", head_age, head_sex, surname, village, household_no, address,
                            None, registered)
        head.head_name = head.name
        members = [head]

        def make(relation, age, sex, member_surname):
            members.append(self._member(relation, age, sex, member_surname, village,
                                        household_no, address, head.name, registered))
        if size >= 2:
            spouse_sex = "F" if head_sex == "M" else "M"
            make("配偶", head_age + rng.randint(-5, 5), spouse_sex, self.names.surname())
        for _ in range(size - len(members)):
            if head_age < 50 and rng.random() < 0.25:
                sex = rng.choice("MF")
                make("父亲" if sex == "M" else "母亲", head_age + rng.randint(22, 32), sex,
                     surname if sex == "M" else self.names.surname())
            elif head_age >= 58 and rng.random() < 0.4:
                sex = rng.choice("MF")
                make("孙子" if sex == "M" else "孙女", head_age - rng.randint(46, 58), sex, surname)
            else:
                sex = rng.choice("MF")
                make("子" if sex == "M" else "女", head_age - rng.randint(22, 36), sex, surname)
        return members

    # -- insurance -----------------------------------------------------------
    def coverage(self, person: Person) -> list[Cover]:
        """Decide which enrollment rows a person has (see coverage_rules)."""
        return plan_coverage(self, person)

    def employer(self) -> str:
        """A local employer name (from the enterprise register written earlier)."""
        return self.rng.choice(self.employers) if self.employers else "东至县某有限公司"

    def former_employer(self) -> str:
        """An organisation only former employees' (terminated) rows name; "" when there is none."""
        return self.rng.choice(self.former_employers) if self.former_employers else ""

    # -- the county ------------------------------------------------------------
    def villages(self, plan: list[tuple[data.Village, int]]) -> None:
        """Generate and write the households of each (village, population quota)."""
        rng = self.rng
        sizes, size_weights = (1, 2, 3, 4, 5, 6), (12, 25, 25, 20, 12, 6)
        for village, quota in plan:
            made, serial = 0, 0
            while made < quota:
                serial += 1
                household_no = f"{village.code[6:]}{serial:04d}"
                registered = rng.random() >= self.rates["non_registered_resident"]
                size = min(rng.choices(sizes, size_weights)[0], quota - made)
                members = self.household(village, household_no, size, registered)
                made += len(members)
                for person in members:
                    self.writer.person(person, self.coverage(person))
            for _ in range(int(quota * self.rates["non_local_insured"])):
                # Insured here, not in the register at all.
                person = self._member("", rng.randint(20, 55), rng.choice("MF"), self.names.surname(),
                                      village, None, None, None, registered=False)
                person.in_register_file, person.status, person.death_date = False, "normal", None
                person.non_local_worker = True
                self.writer.person(person, self.coverage(person))


def _village_plan(config: CountyConfig) -> list[list[tuple[data.Village, int]]]:
    """Villages with population quotas, grouped by township (one part each)."""
    villages = data.villages_from_area_rows(area_rows(config.county_code, config.county_name))
    seat = villages[0].township  # the first township is the county seat: bigger villages
    weights = [(1.6 if v.township == seat else 1.0) * (1.3 if v.is_community else 1.0) for v in villages]
    total = sum(weights)
    quotas = [int(config.people * w / total) for w in weights]
    quotas[0] += config.people - sum(quotas)
    parts: dict[str, list] = {}
    for village, quota in zip(villages, quotas):
        parts.setdefault(village.township, []).append((village, quota))
    return list(parts.values())


def _generate_part(config: CountyConfig, part: int, plan, orgs, out_dir: Path, part_dir: Path) -> dict:
    """Generate one township's people into part files (runs in a worker process)."""
    # Each part has its own seed and its own block of ID sequence numbers
    # (like a police station's), so parts are independent and any number of
    # processes produce the same county.
    writer = PeopleWriter(out_dir, part_dir, part, config, data.FastRandom(config.seed * 7919 + 2 * part + 1))
    generator = CountyGenerator(config, writer, data.FastRandom(config.seed * 7919 + 2 * part), part)
    generator.employers = [e.name for e in orgs.hiring]
    generator.former_employers = [e.name for e in orgs.former]
    writer.employer_cells = EmployerCells(orgs.hiring + orgs.former, writer.rng)
    try:
        generator.villages(plan)
    finally:
        result = writer.close()
    return result


def generate_county(out_dir: str | Path, people: int = 530_000, seed: int = 20170525,
                    county_code: str = "341721", as_of: date | None = None, workers: int | None = None,
                    progress: Callable[[int, int], None] | None = None, **options) -> dict:
    """Write a synthetic county's department files and answer key into ``out_dir``.

    Townships are generated in parallel by ``workers`` processes (default: one
    per CPU; 1 = in this process); the output is identical either way.
    ``progress(done, total)`` counts finished townships. Returns the summary
    also written to answer_key.json. ``options`` go to :class:`CountyConfig`.
    """
    config = CountyConfig(people=people, seed=seed, county_code=county_code,
                          as_of=as_of or date.today(), **options)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    orgs = write_organisations(out_dir, config, data.FastRandom(seed))
    plans = _village_plan(config)
    workers = max(1, min(workers or os.cpu_count() or 1, len(plans)))
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".parts-") as tmp:
        part_dir = Path(tmp)
        jobs = [(config, index, plan, orgs, out_dir, part_dir) for index, plan in enumerate(plans)]
        results = []
        if workers == 1:
            for job in jobs:
                results.append(_generate_part(*job))
                if progress:
                    progress(len(results), len(jobs))
        else:
            # spawn, not fork: safe even when called from a threaded web or worker process.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context) as pool:
                futures = [pool.submit(_generate_part, *job) for job in jobs]
                for future in futures:
                    results.append(future.result())
                    if progress:
                        progress(len(results), len(jobs))
        rows, invalid_rows, counts = merge_parts(out_dir, part_dir, results, config)
    xlsx_files = [r["xlsx"] for r in results if r["xlsx"]]
    rows.update(orgs.rows)
    summary = {
        "seed": seed, "people": people, "county_code": county_code, "as_of": config.as_of.isoformat(),
        "files": rows, "rates": config.rates, "counts": counts,
        "sources": {REGISTER_FILE: "public_security", HEALTH_FILE: "health",
                    SOCIAL_INSURANCE_FILE: "social_insurance", MARKET_FILE: "market_supervision",
                    CIVIL_FILE: "civil_affairs", **{name: "health" for name in xlsx_files}},
    }
    summary["employers"] = write_employer_key(out_dir, orgs.orgs, [r["employers"] for r in results])
    write_key_files(out_dir, invalid_rows, summary)
    return summary
