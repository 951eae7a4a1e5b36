"""The generator's answer key: what the comparison must say about each ID.

The generator knows the truth about every row it writes. For each person it
collects :class:`Facts` from the rows that stay readable (a damaged ID row
counts for nothing, exactly as in real data) and states the expected outcome
with :func:`expected_outcome` — the BRIEF.md rules written out again plainly
with sets, independently of compare.py's bit masks, so the two check each other.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from webapp.intake.schemes import BASIC_MEDICAL, BASIC_PENSION

KEY_FILE = "answer_key.csv"
INVALID_ROWS_FILE = "answer_key_invalid_rows.csv"
SUMMARY_FILE = "answer_key.json"
EMPLOYER_KEY_FILE = "answer_key_employers.csv"


@dataclass
class Facts:
    """What the readable rows say about one ID."""

    in_register: bool = False
    register_status: str = "normal"
    registered: bool = True
    student: bool = False
    death_date: date | None = None
    names: set = field(default_factory=set)
    enrolled: set = field(default_factory=set)  # schemes not terminated
    insured_here: bool = False  # a non-terminated enrollment in this county
    benefit: set = field(default_factory=set)  # schemes paying a benefit now
    paid_until: date | None = None
    paid_open: bool = False
    injected: set = field(default_factory=set)  # scenario labels, for the summary

    def add_enrollment(self, scheme, name, terminated, place_local, benefit_paid, paid_until):
        """Record one readable enrollment row."""
        self.names.add(name)
        if not terminated:
            self.enrolled.add(scheme)
            self.insured_here |= place_local
        if benefit_paid:
            self.benefit.add(scheme)
            self.paid_open |= paid_until is None
        if paid_until is not None and (self.paid_until is None or paid_until > self.paid_until):
            self.paid_until = paid_until


def _age(id_number: str, as_of: date) -> int:
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    years = as_of.year - born.year
    if (as_of.month, as_of.day) < (born.month, born.day):
        years -= 1
    return years


def expected_outcome(id_number: str, facts: Facts, as_of: date):
    """Return (status, problem types, missing items, reason) for one ID."""
    problems = []
    if len(facts.names) > 1:
        problems.append("name_conflict")
    pensions = facts.enrolled & BASIC_PENSION
    paying = facts.benefit & BASIC_PENSION
    if len(paying) >= 2:
        problems.append("duplicate_benefit")
    if len(pensions) >= 2:  # a duplicate contribution whether or not either pays
        problems.append("duplicate_pension")
    if len(facts.enrolled & BASIC_MEDICAL) >= 2:
        problems.append("duplicate_medical")
    if facts.in_register and facts.register_status == "deceased":
        if facts.death_date is None:
            paid_after = bool(facts.benefit)
        else:
            death_month = (facts.death_date.year, facts.death_date.month)
            paid_after = facts.paid_open or (
                facts.paid_until is not None
                and (facts.paid_until.year, facts.paid_until.month) > death_month)
        if paid_after:
            problems.append("benefit_after_death")

    reason = None
    local_resident = facts.in_register and facts.registered
    if facts.in_register and facts.register_status != "normal":
        target, reason = False, facts.register_status
    elif local_resident:
        target = True
    else:
        target = facts.insured_here
        if not target:
            reason = "non_registered" if facts.in_register else "not_insured_here"
    missing = []
    if target and local_resident:
        covered = facts.enrolled | facts.benefit
        if _age(id_number, as_of) >= 16 and not facts.student and not covered & BASIC_PENSION:
            missing.append("pension")
        if not covered & BASIC_MEDICAL:
            missing.append("medical")
    if problems:
        status = "problem"
    elif not target:
        status = "not_target"
    else:
        status = "uninsured" if missing else "confirmed"
    return status, tuple(sorted(problems)), tuple(missing), reason


KEY_HEADER = "id_number,expected_status,problem_types,missing,reason,in_register,injected\r\n"


class AnswerKeyWriter:
    """Streams one part of the answer key as people are generated.

    Nothing is kept per person: the expected outcome is written as soon as a
    person's rows are. Invalid rows and counts are kept (they are few) and
    handed back by :meth:`finish`.
    """

    def __init__(self, path: Path, as_of: date):
        self.as_of = as_of
        self._handle = open(path, "w", encoding="utf-8", newline="", buffering=1 << 20)
        self.invalid_rows: list[tuple] = []
        self.counts: dict[str, int] = {}

    def person(self, id_number: str, facts: Facts) -> None:
        """Write the expected outcome of one ID."""
        status, problems, missing, reason = expected_outcome(id_number, facts, self.as_of)
        # Plain joins: no value holds a comma (codes are joined with ';').
        self._handle.write(",".join((id_number, status, ";".join(problems), ";".join(missing), reason or "",
                                     "1" if facts.in_register else "0", ";".join(sorted(facts.injected))))
                           + "\r\n")
        counts = self.counts
        counts[status] = counts.get(status, 0) + 1
        for key in problems:
            counts[key] = counts.get(key, 0) + 1
        for label in facts.injected:
            counts["injected:" + label] = counts.get("injected:" + label, 0) + 1

    def invalid_row(self, source: str, file_name: str, row: int, value, error_code: str) -> None:
        """Record a row whose ID the generator damaged on purpose."""
        self.invalid_rows.append((source, file_name, row, value if isinstance(value, str) else repr(value),
                                  error_code))
        for key in ("invalid_id", "invalid_id:" + error_code):
            self.counts[key] = self.counts.get(key, 0) + 1

    def finish(self):
        """Close the part file; return (invalid rows, counts)."""
        self._handle.close()
        return self.invalid_rows, self.counts


def write_key_files(out_dir: Path, invalid_rows: list[tuple], summary: dict) -> None:
    """Write the invalid-row list and the JSON summary next to answer_key.csv."""
    with open(out_dir / INVALID_ROWS_FILE, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "file", "row", "id_value", "error_code"])
        writer.writerows(invalid_rows)
    (out_dir / SUMMARY_FILE).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")


def load_answer_key(out_dir: str | Path):
    """Read an answer key back: ({id: (status, problems, missing, reason)}, invalid rows, summary)."""
    out_dir = Path(out_dir)
    expected = {}
    with open(out_dir / KEY_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            expected[row["id_number"]] = (
                row["expected_status"], tuple(filter(None, row["problem_types"].split(";"))),
                tuple(filter(None, row["missing"].split(";"))), row["reason"] or None)
    with open(out_dir / INVALID_ROWS_FILE, encoding="utf-8", newline="") as handle:
        invalid = [(r["source"], r["file"], int(r["row"]), r["error_code"]) for r in csv.DictReader(handle)]
    summary = json.loads((out_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    return expected, invalid, summary


def write_employer_key(out_dir: Path, orgs, parts: list[dict]) -> dict:
    """Write each organisation's expected verdict; return the counts for the summary.

    ``orgs`` are the written organisation rows (source, code as written, name,
    active); ``parts`` what each part's rows named (indexes into ``orgs``):
    ``named`` by a non-terminated row, ``by_code`` among them by a usable code,
    ``terminated`` by a terminated row. An active organisation no
    non-terminated row names is an uninsured employer.
    """
    named, by_code, terminated = set(), set(), set()
    for part in parts:
        named.update(part.get("named", ()))
        by_code.update(part.get("by_code", ()))
        terminated.update(part.get("terminated", ()))
    counts = {"enterprises": 0, "organisations": 0, "insured": 0, "uninsured": 0, "not_target": 0,
              "terminated_only": 0}
    with open(out_dir / EMPLOYER_KEY_FILE, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "credit_code", "name", "expected_status", "reason"])
        for index, (source, code, name, active) in enumerate(orgs):
            if not active:
                status, reason = "not_target", "cancelled"
            elif index in named:
                status, reason = "insured", "by_code" if index in by_code else "by_name"
            else:
                status, reason = "uninsured", "terminated_only" if index in terminated else "no_enrollment"
            writer.writerow([source, code, name, status, reason])
            counts["enterprises" if source == "market_supervision" else "organisations"] += 1
            counts[status] += 1
            counts["terminated_only"] += reason == "terminated_only"
            key = f"uninsured:{source}"
            counts[key] = counts.get(key, 0) + (status == "uninsured")
    return counts


def load_employer_key(out_dir: str | Path) -> dict:
    """Read the employer answer key back: {(source, name): (expected status, reason)}."""
    with open(Path(out_dir) / EMPLOYER_KEY_FILE, encoding="utf-8", newline="") as handle:
        return {(r["source"], r["name"]): (r["expected_status"], r["reason"]) for r in csv.DictReader(handle)}
