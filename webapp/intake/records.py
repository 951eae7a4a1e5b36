"""Typed in-memory records the comparison works on, built from validated rows.

Three kinds: a household-register person, an enrollment (one scheme of one
person, from the health department or the social insurance system), and an
invalid-ID record (any person row whose ID could not be read, kept for the
problem list and for record linkage). Strings that repeat across rows
(addresses, household numbers, village names) are interned so 530,000 people
share them instead of each holding a copy.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.intake.validate import ValidatedChunk, intern_column


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
    batch_id: int | None = None  # set when loaded from the database


def _column(chunk: ValidatedChunk, field: str, shared: bool = False) -> list:
    column = chunk.columns.get(field)
    if column is None:
        return [None] * len(chunk)
    return intern_column(column) if shared else column


def register_people(chunk: ValidatedChunk) -> list[RegisterPerson]:
    """Register persons from a validated public-security chunk (rows with a valid ID)."""
    statuses = [
        # A death date outranks a stale status word.
        "deceased" if death is not None and status in (None, "normal") else status or "normal"
        for status, death in zip(_column(chunk, "person_status"), _column(chunk, "death_date"))]
    students = ["学生" in job or "在校" in job if job else False for job in _column(chunk, "occupation")]
    registered = [kind != "non_registered" for kind in _column(chunk, "register_kind")]
    return [RegisterPerson(*values) for values in zip(
        chunk.columns["id_number"], _column(chunk, "name"), _column(chunk, "household_no", True),
        _column(chunk, "head_name"), _column(chunk, "relation", True),
        _column(chunk, "register_address", True), _column(chunk, "current_address", True), statuses,
        _column(chunk, "death_date"), registered, students, _column(chunk, "area_code", True),
        _column(chunk, "township", True), _column(chunk, "village", True), chunk.numbers)
        if values[0] is not None]


def enrollments(source: str, chunk: ValidatedChunk) -> list[Enrollment]:
    """Enrollments from a validated health / social insurance chunk.

    Rows with an unusable ID or an unknown scheme are left out (the report
    says why). The health department only runs resident medical insurance,
    so its rows default to that scheme.
    """
    default_scheme = "resident_medical" if source == "health" else None
    schemes = [scheme or default_scheme for scheme in _column(chunk, "scheme")]
    statuses = [status or "active" for status in _column(chunk, "enroll_status")]
    contributing = [
        status != "terminated" and (status == "active" if paying is None else paying == "paying")
        for status, paying in zip(statuses, _column(chunk, "contribution_status"))]
    paid = [status == "paid" for status in _column(chunk, "benefit_status")]
    places = [place or "local" for place in _column(chunk, "insured_place")]
    return [Enrollment(id_number, name, scheme, source, status, paying, benefit, until, place, address, number)
            for id_number, name, scheme, status, paying, benefit, until, place, address, number in zip(
                chunk.columns["id_number"], _column(chunk, "name"), schemes, statuses, contributing, paid,
                _column(chunk, "benefit_paid_until"), places, _column(chunk, "address", True), chunk.numbers)
            if id_number is not None and scheme is not None]


def invalid_records(source: str, chunk: ValidatedChunk) -> list[InvalidIdRecord]:
    """Invalid-ID records for the rows of a chunk whose ID is unusable."""
    records = []
    for index, (id_raw, codes) in sorted(chunk.id_problems.items()):
        values = chunk.row_values(index)
        address = values.get("current_address") or values.get("register_address") or values.get("address")
        records.append(InvalidIdRecord(source, chunk.numbers[index], id_raw or "", codes, values.get("name"),
                                       values.get("birth_date"), address, values.get("sex")))
    return records


def records_from_chunk(source: str, chunk: ValidatedChunk, invalid_sink: list) -> list:
    """Register persons or enrollments of a chunk; invalid-ID rows go to ``invalid_sink``."""
    invalid_sink.extend(invalid_records(source, chunk))
    if source == "public_security":
        return register_people(chunk)
    return enrollments(source, chunk)
