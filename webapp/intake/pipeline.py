"""File → mapped → validated → records, and files → comparison, without a database.

The database importer (phase 2) uses the same steps; this module is what the
tests, the benchmark and the command line use to run a whole county in memory.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Iterator

from webapp.intake.compare import compare
from webapp.intake.employers import ORG_SOURCES, EmployerIndex, compare_employers, org_records
from webapp.intake.mapping import PERSON_SOURCES, map_headers  # noqa: F401 - PERSON_SOURCES read from here too
from webapp.intake.readers import ReadError, TableInfo, TableReader
from webapp.intake.records import records_from_chunk
from webapp.intake.validate import ReportRow, RowValidator


class MappingIncomplete(ReadError):
    """Required fields have no column; the mapping page must be used first."""


@dataclass
class OpenedSource:
    """A source file opened and mapped, ready to stream records from."""

    source: str
    info: TableInfo
    mapping: dict[str, str]
    unknown_headers: list[str]
    report: list[ReportRow] = field(default_factory=list)
    invalid_ids: list = field(default_factory=list)
    rows_read: int = 0


def open_source(source: str, path: str | Path, saved_mapping: dict | None = None):
    """Open a file and map its headers; raises MappingIncomplete if required fields lack a column.

    Returns ``(reader, opened)``; iterate :func:`stream_records` to read it.
    """
    reader = TableReader(path)
    mapping, unknown, missing = map_headers(source, reader.info.headers, saved_mapping)
    if missing:
        reader.close()
        raise MappingIncomplete("缺少必需的列：" + "、".join(missing))
    return reader, OpenedSource(source, reader.info, mapping, unknown)


def stream_records(source: str, path: str | Path, opened_sink: list | None = None, *,
                   county_code: str, county_name: str, saved_mapping: dict | None = None,
                   today: date | None = None, employer_index: EmployerIndex | None = None) -> Iterator:
    """Yield the records of one person-source file, validating as it goes.

    The :class:`OpenedSource` (with report lines and invalid-ID records filled in
    as rows stream past) is appended to ``opened_sink`` before the first record.
    Social insurance chunks also go into ``employer_index`` when one is given.
    """
    for opened, chunk in _validated_chunks(source, path, opened_sink, saved_mapping, today, county_code,
                                           county_name):
        if employer_index is not None and source == "social_insurance":
            employer_index.add_chunk(chunk.columns)
        yield from records_from_chunk(source, chunk, opened.invalid_ids)


def _validated_chunks(source, path, opened_sink, saved_mapping, today, county_code, county_name):
    """Yield ``(opened source, validated chunk)`` for each chunk of a file, keeping its report."""
    reader, opened = open_source(source, path, saved_mapping)
    if opened_sink is not None:
        opened_sink.append(opened)
    validator = RowValidator(source, opened.mapping, headers=reader.info.headers,
                             county_code=county_code, county_name=county_name, today=today)
    with reader:
        for numbers, rows in reader.iter_chunks():
            opened.rows_read += len(rows)
            chunk = validator.validate_chunk(numbers, rows)
            opened.report.extend(chunk.issues)
            yield opened, chunk


def compare_files(files: dict[str, list[str | Path]], *, county_code: str, county_name: str,
                  as_of: date | None = None, today: date | None = None, progress=None,
                  employer_index: EmployerIndex | None = None):
    """Read every person-source file and compare; returns (result, opened sources).

    ``county_code``/``county_name`` name the county running the campaign (its places are local).

    ``files`` maps a source code to its file paths. The register is held in
    memory (the comparison needs it whole); enrollments stream straight in
    (and into ``employer_index``, for :func:`compare_employer_files`).
    """
    opened: list[OpenedSource] = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects and no cycles: the collector only costs time
    try:
        register = [record for path in files.get("public_security", ())
                    for record in stream_records("public_security", path, opened, today=today,
                                                 county_code=county_code, county_name=county_name)]
        enrollment_streams = [stream_records(source, path, opened, today=today, employer_index=employer_index,
                                                     county_code=county_code, county_name=county_name)
                              for source in ("health", "social_insurance")
                              for path in files.get(source, ())]
        result = compare(register, chain.from_iterable(enrollment_streams), (), as_of=as_of,
                         progress=progress)
    finally:
        if gc_was_enabled:
            gc.enable()
    result.invalid_ids = [record for source in opened for record in source.invalid_ids]
    return result, opened


def compare_employer_files(files: dict[str, list[str | Path]], index: EmployerIndex, today: date | None = None):
    """Read the organisation files among ``files`` and compare them with ``index``.

    ``index`` is the one :func:`compare_files` filled from the social insurance
    files. Returns the :class:`~webapp.intake.employers.EmployerOutcome` list.
    """
    orgs = []
    for source in ORG_SOURCES:
        for path in files.get(source, ()):
            for _, chunk in _validated_chunks(source, path, None, None, today, None, None):  # no places
                orgs.extend(org_records(source, chunk.columns, chunk.numbers))
    return compare_employers(orgs, index)
