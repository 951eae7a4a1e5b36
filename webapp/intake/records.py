"""Typed in-memory records the comparison works on, built from validated rows.

Three kinds: a household-register person, an enrollment (one scheme of one
person, from the health department or the social insurance system), and an
invalid-ID record (any person row whose ID could not be read, kept for the
problem list and for record linkage). Strings that repeat across rows
(addresses, household numbers, village names) are interned so 530,000 people
share them instead of each holding a copy.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

from webapp.intake.validate import ValidatedRow

_intern = sys.intern


def _shared(text: str | None) -> str | None:
    return _intern(text) if text else None


@dataclass(slots=True)
class RegisterPerson:
    """One person of the public security household register."""

    id_number: str
    name: str | None
    household_no: str | None = None
    head_name: str | None = None
    relation: str | None = None
    register_address: str | None = None
    current_address: str | None = None
    status: str = "normal"  # normal / moved_out / cancelled / deceased
    death_date: date | None = None
    registered: bool = True  # False for non-registered residents (流动人口)
    student: bool = False
    area_code: str | None = None
    township: str | None = None
    village: str | None = None
    row: int = 0


@dataclass(slots=True)
class Enrollment:
    """One scheme enrollment of one person, from health or social insurance."""

    id_number: str
    name: str | None
    scheme: str
    source: str
    status: str = "active"  # active / suspended / terminated
    contributing: bool = True
    benefit_paid: bool = False
    paid_until: date | None = None
    place: str = "local"  # local / province / other_province
    address: str | None = None
    row: int = 0


@dataclass(slots=True)
class InvalidIdRecord:
    """A person row whose ID number is unusable."""

    source: str
    row: int
    id_raw: str
    error_codes: tuple[str, ...]
    name: str | None
    birth_date: date | None = None
    address: str | None = None
    sex: str | None = None


def register_person(row: ValidatedRow) -> RegisterPerson:
    """Build a register person from a validated public-security row."""
    values = row.values
    status = values.get("person_status") or "normal"
    if values.get("death_date") and status == "normal":
        status = "deceased"  # a death date outranks a stale status word
    occupation = values.get("occupation") or ""
    return RegisterPerson(
        id_number=values["id_number"], name=values.get("name"),
        household_no=_shared(values.get("household_no")), head_name=values.get("head_name"),
        relation=_shared(values.get("relation")),
        register_address=_shared(values.get("register_address")),
        current_address=_shared(values.get("current_address")),
        status=status, death_date=values.get("death_date"),
        registered=values.get("register_kind") != "non_registered",
        student="学生" in occupation or "在校" in occupation,
        area_code=_shared(values.get("area_code")), township=_shared(values.get("township")),
        village=_shared(values.get("village")), row=row.number)


def enrollment(source: str, row: ValidatedRow) -> Enrollment | None:
    """Build an enrollment from a validated health / social insurance row.

    Returns None when the scheme is unknown (the report already says so).
    The health department only runs resident medical insurance, so its rows
    default to that scheme.
    """
    values = row.values
    scheme = values.get("scheme") or ("resident_medical" if source == "health" else None)
    if scheme is None:
        return None
    status = values.get("enroll_status") or "active"
    contribution = values.get("contribution_status")
    contributing = (status == "active") if contribution is None else contribution == "paying"
    return Enrollment(
        id_number=values["id_number"], name=values.get("name"), scheme=scheme, source=source,
        status=status, contributing=contributing and status != "terminated",
        benefit_paid=values.get("benefit_status") == "paid",
        paid_until=values.get("benefit_paid_until"), place=values.get("insured_place") or "local",
        address=_shared(values.get("address")), row=row.number)


def invalid_record(source: str, row: ValidatedRow) -> InvalidIdRecord:
    """Build an invalid-ID record from any person-level row."""
    values = row.values
    address = (values.get("current_address") or values.get("register_address")
               or values.get("address"))
    return InvalidIdRecord(source, row.number, row.id_raw or "", row.id_errors,
                           values.get("name"), values.get("birth_date"), address, values.get("sex"))


def split_records(source: str, rows: Iterable[ValidatedRow], invalid_sink: list,
                  issue_sink: list | None = None) -> Iterator:
    """Turn validated rows of a person source into records, lazily.

    Yields register persons or enrollments; rows with an unusable ID go to
    ``invalid_sink`` as :class:`InvalidIdRecord`; report lines go to ``issue_sink``.
    """
    build_register = source == "public_security"
    for row in rows:
        if issue_sink is not None and row.issues:
            issue_sink.extend(row.issues)
        if row.values.get("id_number") is None:
            invalid_sink.append(invalid_record(source, row))
            continue
        if build_register:
            yield register_person(row)
        else:
            record = enrollment(source, row)
            if record is not None:
                yield record
