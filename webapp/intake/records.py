"""Typed in-memory records the comparison works on, built from validated rows.

Three kinds: a household-register person, enrollments (one scheme of one
person each, from the health department or the social insurance system,
kept as columns of a chunk because there are a million of them), and an
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
    """One scheme enrollment of one person (hand-made data; files arrive as columns)."""

    id_number: str
    name: str | None
    scheme: str
    source: str
    status: str = "active"  # active / suspended / terminated
    benefit_paid: bool = False
    paid_until: date | None = None
    place: str = "local"  # local / province / other_province
    address: str | None = None


@dataclass(slots=True)
class EnrollmentColumns:
    """The enrollments of one chunk as parallel columns, one entry per row.

    A county has a million enrollment rows; an object per row cost more than
    the comparison itself, so the comparison reads these lists directly.
    Rows whose ID or scheme is None are skipped by the comparison (the
    validation report says why); a status or place of None means active, local.
    """

    id_numbers: list
    names: list
    schemes: list
    statuses: list
    benefit_paid: list  # True where a benefit is being paid
    paid_until: list
    places: list
    addresses: list

    def __len__(self) -> int:
        return len(self.id_numbers)

    @classmethod
    def from_rows(cls, rows: list[Enrollment]) -> "EnrollmentColumns":
        """Columns from hand-made :class:`Enrollment` rows."""
        return cls(*(list(values) for values in zip(*[
            (r.id_number, r.name, r.scheme, r.status, r.benefit_paid, r.paid_until, r.place, r.address)
            for r in rows]))) if rows else cls([], [], [], [], [], [], [], [])


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


def enrollment_columns(source: str, chunk: ValidatedChunk) -> EnrollmentColumns:
    """The enrollments of a validated health / social insurance chunk, as columns.

    The health department only runs resident medical insurance, so its rows
    default to that scheme.
    """
    schemes = _column(chunk, "scheme")
    if source == "health":
        schemes = [scheme or "resident_medical" for scheme in schemes]
    return EnrollmentColumns(chunk.columns["id_number"], _column(chunk, "name"), schemes,
                             _column(chunk, "enroll_status"),
                             [status == "paid" for status in _column(chunk, "benefit_status")],
                             _column(chunk, "benefit_paid_until"), _column(chunk, "insured_place"),
                             _column(chunk, "address"))


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
    """What the comparison reads from a chunk; invalid-ID rows go to ``invalid_sink``.

    A list either way, so a stream of chunks flattens into what :func:`compare`
    takes: register persons, or the chunk's :class:`EnrollmentColumns` as one item.
    """
    invalid_sink.extend(invalid_records(source, chunk))
    if source == "public_security":
        return register_people(chunk)
    return [enrollment_columns(source, chunk)]
