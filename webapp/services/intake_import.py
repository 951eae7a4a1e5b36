"""Importing one department file: all or nothing, once per file, with a row-level report.

The file is read and validated completely before anything is written: the
validated rows wait in memory as compressed chunks (a 600,000-row file is a
few tens of MB). Only then is the outcome decided — imported, or rejected with
its report — and written in the caller's transaction, so a crash or a
rejection never leaves half a file behind. The same file (same source, same
SHA-256) is recognised and not imported twice.

Services never commit: the route or the job does.
"""
from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..extensions import db
from sqlalchemy import select

from ..intake.chunks import decode_chunk, encode_chunk
from ..intake.mapping import SOURCES, duplicate_headers_problem, map_headers
from ..intake.readers import ReadError, TableReader
from ..intake.records import invalid_records
from ..intake.validate import ERROR, WARNING, ReportRow, RowValidator
from ..models import HeaderMapping, ImportBatch, IntakeChunk, InvalidIdRow, ValidationIssue
from ..models.base import utcnow
from .bulk import insert_rows

PERSON_SOURCES = ("public_security", "health", "social_insurance")
MAX_STORED_ISSUES = 200_000  # the report beyond this is counted, not stored
REJECTED_ISSUES_KEPT = 5_000  # a rejected file keeps the start of its report, for the uploader
DEFAULT_MAX_ERROR_SHARE = 0.2  # more rows in error than this: wrong file or wrong mapping ...
MIN_ERROR_ROWS_TO_REJECT = 10  # ... unless so few that a person can just look (small uploads)
CHUNK_ROWS = 5000


@dataclass
class ImportOutcome:
    """What happened to an upload."""

    status: str  # imported / duplicate / rejected / needs_mapping
    batch: ImportBatch | None = None
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    message: str = ""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (how a re-upload of the same file is recognised)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def saved_mapping(source: str) -> dict[str, str | None]:
    """The headers users have mapped by hand for ``source``: {header: field or None}."""
    return {row.header: row.field for row in HeaderMapping.query.filter_by(source=source)}


def save_mapping(source: str, choices: dict[str, str | None], actor=None) -> None:
    """Remember hand-made header choices for ``source`` (field None: ignore that column)."""
    valid = {f.name for f in SOURCES[source].fields}
    existing = {row.header: row for row in HeaderMapping.query.filter_by(source=source)}
    for header, chosen in choices.items():
        if chosen is not None and chosen not in valid:
            raise ValueError(f"unknown field {chosen!r} for {source}")
        row = existing.get(header) or HeaderMapping(source=source, header=header)
        row.field, row.updated_at, row.updated_by_id = chosen, utcnow(), getattr(actor, "id", None)
        db.session.add(row)


def _issue_rows(batch_id: int, issues) -> list[dict]:
    return [{"batch_id": batch_id, "row_number": i.row, "column_name": i.column[:128], "value": i.value[:256],
             "problem": i.problem[:256], "severity": i.severity, "code": i.code} for i in issues]


def _bulk(model, rows: list[dict]) -> None:
    insert_rows(model, rows)


@dataclass
class _Validated:
    payloads: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    invalid: list = field(default_factory=list)
    rows_total: int = 0
    records: int = 0
    issues_total: int = 0
    error_rows: set = field(default_factory=set)


def _validate_file(reader: TableReader, source: str, mapping: dict, today, county_code, county_name):
    validator = RowValidator(source, mapping, headers=reader.info.headers, today=today,
                             county_code=county_code, county_name=county_name)
    done = _Validated()
    person_source = source in PERSON_SOURCES
    for numbers, rows in reader.iter_chunks(CHUNK_ROWS):
        chunk = validator.validate_chunk(numbers, rows)
        # What the reader cleaned (control characters, undecodable bytes) is reported with the row.
        chunk.issues.extend(ReportRow(row, column, value, problem, WARNING, code)
                            for row, column, value, problem, code in reader.take_row_notes())
        done.rows_total += len(rows)
        done.issues_total += len(chunk.issues)
        done.error_rows.update(i.row for i in chunk.issues if i.severity == ERROR)
        room = MAX_STORED_ISSUES - len(done.issues)
        if room > 0:
            done.issues.extend(chunk.issues[:room])
        if person_source:
            done.invalid.extend(invalid_records(source, chunk))
            done.records += sum(1 for value in chunk.columns.get("id_number", ()) if value is not None)
        else:
            done.records += len(rows)
        done.payloads.append((len(rows), encode_chunk(source, chunk)))
    return done


def import_file(path: str | Path, source: str, *, file_name: str | None = None, actor=None,
                county_code: str = "341721", county_name: str = "东至县", mapping: dict | None = None,
                today: date | None = None, max_error_share: float = DEFAULT_MAX_ERROR_SHARE) -> ImportOutcome:
    """Import one file of ``source`` into the caller's transaction.

    ``mapping`` ({header: field or None}) overrides the saved and automatic
    header mapping for this upload. Returns an :class:`ImportOutcome`; on
    ``needs_mapping`` nothing is written, on ``rejected`` only the batch row
    and the start of its report, on ``duplicate`` nothing new.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    path = Path(path)
    file_name = file_name or path.name
    file_hash = file_sha256(path)
    dedupe_key = f"{source}:{file_hash}"
    existing = ImportBatch.query.filter_by(dedupe_key=dedupe_key).one_or_none()
    if existing is not None:
        return ImportOutcome("duplicate", existing, message="该文件已导入过，不重复计入")

    def rejected(reason, info=None, issues=()):
        batch = ImportBatch(source=source, file_name=file_name[:256], file_hash=file_hash, status="rejected",
                            active=False, county_code=county_code, reject_reason=reason,
                            created_by_id=getattr(actor, "id", None), created_at=utcnow(),
                            file_format=getattr(info, "format", None), encoding=getattr(info, "encoding", None))
        db.session.add(batch)
        db.session.flush()
        _bulk(ValidationIssue, _issue_rows(batch.id, list(issues)[:REJECTED_ISSUES_KEPT]))
        return batch

    try:
        reader = TableReader(path)
    except ReadError as exc:
        return ImportOutcome("rejected", rejected(str(exc)), message=str(exc))
    with reader:
        headers = reader.info.headers
        chosen = {**saved_mapping(source), **(mapping or {})}
        clash = duplicate_headers_problem(reader.info.duplicates, chosen)
        if clash:
            return ImportOutcome("rejected", rejected(clash, reader.info), headers, message=clash)
        mapped, unknown, missing = map_headers(source, headers, chosen)
        if missing:
            labels = "、".join(SOURCES[source].field(name).label for name in missing)
            return ImportOutcome("needs_mapping", None, headers, mapped, unknown, missing,
                                 message=f"缺少必需的列：{labels}")
        try:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # hundreds of thousands of short-lived objects, no cycles
            try:
                done = _validate_file(reader, source, mapped, today, county_code, county_name)
            finally:
                if gc_was_enabled:
                    gc.enable()
        except ReadError as exc:
            return ImportOutcome("rejected", rejected(str(exc), reader.info), headers, mapped, unknown,
                                 message=str(exc))

    if done.rows_total == 0:
        reason = "文件中没有数据行"
    elif len(done.error_rows) > max(max_error_share * done.rows_total, MIN_ERROR_ROWS_TO_REJECT):
        reason = (f"{len(done.error_rows)} / {done.rows_total} 行有错误，超过 {max_error_share:.0%}，"
                  "请检查文件或列对应关系")
    else:
        reason = None
    if reason:
        batch = rejected(reason, reader.info, done.issues)
        batch.rows_total, batch.rows_with_errors = done.rows_total, len(done.error_rows)
        batch.issues_total, batch.mapping = done.issues_total, mapped
        return ImportOutcome("rejected", batch, headers, mapped, unknown, message=reason)

    batch = ImportBatch(source=source, file_name=file_name[:256], file_hash=file_hash, dedupe_key=dedupe_key,
                        status="imported", active=True, file_format=reader.info.format,
                        encoding=reader.info.encoding, mapping=mapped, rows_total=done.rows_total,
                        rows_with_errors=len(done.error_rows), issues_total=done.issues_total,
                        records=done.records, invalid_ids=len(done.invalid), county_code=county_code,
                        created_by_id=getattr(actor, "id", None), created_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    _bulk(IntakeChunk, [{"batch_id": batch.id, "seq": seq, "rows": rows, "payload": payload}
                        for seq, (rows, payload) in enumerate(done.payloads)])
    _bulk(ValidationIssue, _issue_rows(batch.id, done.issues))
    _bulk(InvalidIdRow, [{"batch_id": batch.id, "source": r.source, "row_number": r.row, "id_raw": r.id_raw[:64],
                          "error_codes": ";".join(r.error_codes)[:128], "name": (r.name or "")[:64] or None,
                          "birth_date": r.birth_date, "address": (r.address or "")[:256] or None, "sex": r.sex}
                         for r in done.invalid])
    return ImportOutcome("imported", batch, headers, mapped, unknown,
                         message=f"已导入 {done.rows_total} 行，{len(done.error_rows)} 行有错误")


def batch_chunks(batch: ImportBatch):
    """The validated chunks of an imported batch, decoded in order, one in memory at a time."""
    chunk_ids = db.session.execute(select(IntakeChunk.id).where(IntakeChunk.batch_id == batch.id)
                                   .order_by(IntakeChunk.seq)).scalars().all()
    for chunk_id in chunk_ids:
        payload = db.session.execute(select(IntakeChunk.payload).where(IntakeChunk.id == chunk_id)).scalar_one()
        yield decode_chunk(batch.source, payload)


def retire_batch(batch: ImportBatch) -> None:
    """Leave a batch out of future comparison runs (e.g. replaced by a newer file)."""
    batch.active = False
