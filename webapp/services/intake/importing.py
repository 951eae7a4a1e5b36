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
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ...extensions import db
from sqlalchemy import select

from ...intake.chunks import chunk_id_numbers, decode_chunk, encode_chunk
from ...intake.mapping import PERSON_SOURCES, SOURCES, duplicate_headers_problem, map_headers
from ...intake.readers import ReadError, TableReader
from ...intake.records import invalid_records
from ...intake.validate import ERROR, WARNING, ReportRow, RowValidator
from ...models import ImportBatch, IntakeChunk, InvalidIdRow, ValidationIssue
from ...models.base import utcnow
from ...infra.bulk import insert_rows
from ..areas import campaign_county
from .mapping import notify_needs_mapping, pending_of, saved_mapping, saved_value_mapping

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
    unknown_values: dict = field(default_factory=dict)  # {field: {value: [count, sample rows]}}
    duplicate_of: ImportBatch | None = None  # the batch an identical file was imported as


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (how a re-upload of the same file is recognised)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


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
    unknown_values: dict = field(default_factory=dict)
    skipped_rows: list = field(default_factory=list)


def _validate_file(reader: TableReader, source: str, mapping: dict, today, county_code, county_name,
                   value_mapping=None, keep: bool = True, ids: set | None = None):
    validator = RowValidator(source, mapping, headers=reader.info.headers, today=today,
                             county_code=county_code, county_name=county_name, value_mapping=value_mapping)
    done = _Validated(unknown_values=validator.unknown_values, skipped_rows=validator.skipped_rows)
    person_source = source in PERSON_SOURCES
    for numbers, rows in reader.iter_chunks(CHUNK_ROWS):
        chunk = validator.validate_chunk(numbers, rows)
        # What the reader cleaned (control characters, undecodable bytes) is reported with the row.
        chunk.issues.extend(ReportRow(row, column, value, problem, WARNING, code)
                            for row, column, value, problem, code in reader.take_row_notes())
        done.rows_total += len(chunk)
        done.issues_total += len(chunk.issues)
        done.error_rows.update(i.row for i in chunk.issues if i.severity == ERROR)
        room = MAX_STORED_ISSUES - len(done.issues)
        if room > 0:
            done.issues.extend(chunk.issues[:room])
        if person_source:
            done.invalid.extend(invalid_records(source, chunk))
            done.records += sum(1 for value in chunk.columns.get("id_number", ()) if value is not None)
            if ids is not None:  # only when an older batch may be replaced (see supersede_previous)
                ids.update(chunk.columns.get("id_number", ()))
        else:
            done.records += len(chunk)
        if keep and not validator.unknown_values:  # a file that must wait for mapping stores nothing
            done.payloads.append((len(chunk), encode_chunk(source, chunk)))
    return done


def duplicate_message(existing: ImportBatch) -> str:
    """Telling the uploader which batch an identical file was imported as."""
    return f"内容完全相同的文件已于第 {existing.id} 批（{existing.file_name}）导入过，不重复计入"


def find_duplicate(source: str, file_hash: str) -> ImportBatch | None:
    """The imported batch of ``source`` with exactly this content, if any."""
    return ImportBatch.query.filter_by(dedupe_key=f"{source}:{file_hash}").one_or_none()


def start_batch(source: str, path: str | Path, file_name: str, county_code: str, actor=None,
                upload_token: str | None = None) -> ImportBatch:
    """The batch row of an upload before it is read (status importing), so lists show it at once."""
    batch = ImportBatch(source=source, file_name=file_name[:256], file_hash=file_sha256(path), status="importing",
                        active=False, county_code=county_code, created_by_id=getattr(actor, "id", None),
                        created_at=utcnow(), upload_token=upload_token)
    db.session.add(batch)
    db.session.flush()
    return batch


_FINISHED = ("imported", "rejected", "duplicate")


class FileTooLarge(ValueError):
    """An upload went past its size limit while being stored (nothing is kept)."""


def store_upload(stream, filename: str, folder: str, limit: int) -> tuple[str, str]:
    """Copy an uploaded ``stream`` into ``folder`` in blocks, named by its hash; (path, SHA-256).

    Raises FileTooLarge past ``limit`` bytes, before the rest is read.
    """
    digest, size = hashlib.sha256(), 0
    partial = os.path.join(folder, f"partial-{os.getpid()}-{id(stream)}")
    with open(partial, "wb") as handle:
        while block := stream.read(1 << 20):
            size += len(block)
            if size > limit:
                handle.close()
                os.remove(partial)
                raise FileTooLarge(limit)
            digest.update(block)
            handle.write(block)
    token = digest.hexdigest()[:32] + os.path.splitext(filename)[1][:8].lower()
    path = os.path.join(folder, token)
    os.replace(partial, path)
    return path, digest.hexdigest()


def mark_failed(batch_id: int, error: Exception) -> None:
    """An import job died: its batch says so (rejected, with a reason) instead of importing for ever."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None and batch.status == "importing":
        batch.status, batch.active = "rejected", False
        batch.reject_reason = "导入出错，请重新上传；如仍出错请联系管理员"  # the error itself is in the job's log


def import_file(path: str | Path, source: str, *, file_name: str | None = None, actor=None,
                county_code: str | None = None, mapping: dict | None = None,
                today: date | None = None, max_error_share: float = DEFAULT_MAX_ERROR_SHARE,
                value_mapping: dict | None = None, batch_id: int | None = None,
                period: str | None = None) -> ImportOutcome:
    """Import one file of ``source`` into the caller's transaction.

    ``mapping`` ({header: field or None}) and ``value_mapping`` ({field: {value:
    code}}) override the saved choices for this upload. ``batch_id`` is the
    row :func:`start_batch` made at upload (else an earlier ``needs_mapping``
    attempt of the same file is continued, or a row is made). Returns an
    :class:`ImportOutcome`: on ``needs_mapping`` the batch says what it needs
    (unknown headers, missing fields, unknown values with counts and rows) and
    the uploader is notified; on ``rejected`` the batch keeps the start of its
    report; on ``duplicate`` nothing new is counted. Safe to call twice. An
    imported batch supersedes the active batch of the same source, county and
    ``period`` (see :func:`supersede_previous`). ``county_code`` is the uploader's county (else
    the campaign's, see :func:`~webapp.services.areas.campaign_county`); its name comes from the areas.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    county_code, county_name = campaign_county(county_code)
    path = Path(path)
    file_hash = file_sha256(path)
    dedupe_key = f"{source}:{file_hash}"
    batch = db.session.get(ImportBatch, batch_id) if batch_id else None
    if batch is not None and batch.status in _FINISHED:  # the job ran before
        return ImportOutcome(batch.status, batch, message=batch.reject_reason or "")
    file_name = file_name or (batch.file_name if batch is not None else path.name)
    existing = find_duplicate(source, file_hash)
    if existing is not None:
        message = duplicate_message(existing)
        if batch is not None:
            batch.status, batch.active, batch.reject_reason = "duplicate", False, message
        return ImportOutcome("duplicate", batch or existing, message=message, duplicate_of=existing)
    if batch is None:
        batch = (ImportBatch.query.filter_by(source=source, file_hash=file_hash, county_code=county_code,
                                             status="needs_mapping").order_by(ImportBatch.id.desc()).first())

    def write(status, info=None, **values):
        nonlocal batch
        if batch is None:
            batch = ImportBatch(source=source, file_hash=file_hash, county_code=county_code,
                                created_by_id=getattr(actor, "id", None), created_at=utcnow())
            db.session.add(batch)
        batch.file_name, batch.status = file_name[:256], status
        batch.file_format, batch.encoding = getattr(info, "format", None), getattr(info, "encoding", None)
        for name, value in values.items():
            setattr(batch, name, value)
        db.session.flush()
        return batch

    def rejected(reason, info=None, issues=(), **values):
        write("rejected", info, active=False, reject_reason=reason, pending=None, **values)
        _bulk(ValidationIssue, _issue_rows(batch.id, list(issues)[:REJECTED_ISSUES_KEPT]))
        return batch

    try:
        reader = TableReader(path)
    except ReadError as exc:
        return ImportOutcome("rejected", rejected(str(exc)), message=str(exc))
    # A batch continued after mapping keeps the period given at upload.
    period = period or getattr(batch, "period", None)
    period = period[:16] if period else None
    new_ids = set() if source in PERSON_SOURCES and _replaceable(source, county_code, period) else None
    with reader:
        headers = reader.info.headers
        chosen = {**saved_mapping(source), **(mapping or {})}
        clash = duplicate_headers_problem(reader.info.duplicates, chosen)
        if clash:
            return ImportOutcome("rejected", rejected(clash, reader.info), headers, message=clash)
        mapped, unknown, missing = map_headers(source, headers, chosen)
        values_chosen = saved_value_mapping(source)
        for name, choices in (value_mapping or {}).items():
            values_chosen[name] = {**values_chosen.get(name, {}), **choices}
        try:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # hundreds of thousands of short-lived objects, no cycles
            try:
                done = _validate_file(reader, source, mapped, today, county_code, county_name, values_chosen,
                                      keep=not (missing or unknown), ids=new_ids)
            finally:
                if gc_was_enabled:
                    gc.enable()
        except ReadError as exc:
            return ImportOutcome("rejected", rejected(str(exc), reader.info), headers, mapped, unknown,
                                 message=str(exc))
    ignored = [h for h in headers if h not in mapped]
    notes = [{"row": number, "text": text} for number, text in done.skipped_rows[:100]]
    counts = {"rows_total": done.rows_total, "ignored_columns": ignored, "notes": notes, "mapping": mapped,
              "period": period}

    if missing or unknown or done.unknown_values:
        pending = pending_of(unknown, missing, done.unknown_values)
        write("needs_mapping", reader.info, active=False, pending=pending, reject_reason=None, **counts)
        notify_needs_mapping(batch, actor)
        parts = []
        if missing:
            parts.append("缺少必需的列：" + "、".join(SOURCES[source].field(name).label for name in missing))
        if unknown:
            parts.append(f"{len(unknown)} 个列未识别")
        if done.unknown_values:
            parts.append(f"{sum(len(v) for v in done.unknown_values.values())} 个值未识别")
        return ImportOutcome("needs_mapping", batch, headers, mapped, unknown, missing,
                             message="需要确认对应关系：" + "；".join(parts), unknown_values=done.unknown_values)

    if done.rows_total == 0:
        reason = "文件中没有数据行"
    elif len(done.error_rows) > max(max_error_share * done.rows_total, MIN_ERROR_ROWS_TO_REJECT):
        reason = (f"{len(done.error_rows)} / {done.rows_total} 行有错误，超过 {max_error_share:.0%}，"
                  "请检查文件或列对应关系")
    else:
        reason = None
    if reason:
        rejected(reason, reader.info, done.issues, rows_with_errors=len(done.error_rows),
                 issues_total=done.issues_total, **counts)
        return ImportOutcome("rejected", batch, headers, mapped, unknown, message=reason)

    write("imported", reader.info, dedupe_key=dedupe_key, active=True, pending=None, reject_reason=None,
          rows_with_errors=len(done.error_rows), issues_total=done.issues_total, records=done.records,
          invalid_ids=len(done.invalid), **counts)
    # A person batch with no IDs collected (no older batch at the start) replaces nothing
    # that appeared meanwhile (a concurrent upload).
    replaced = supersede_previous(batch, set() if new_ids is None and source in PERSON_SOURCES else new_ids)
    _bulk(IntakeChunk, [{"batch_id": batch.id, "seq": seq, "rows": rows, "payload": payload}
                        for seq, (rows, payload) in enumerate(done.payloads)])
    _bulk(ValidationIssue, _issue_rows(batch.id, done.issues))
    _bulk(InvalidIdRow, [{"batch_id": batch.id, "source": r.source, "row_number": r.row, "id_raw": r.id_raw[:64],
                          "error_codes": ";".join(r.error_codes)[:128], "name": (r.name or "")[:64] or None,
                          "birth_date": r.birth_date, "address": (r.address or "")[:256] or None, "sex": r.sex}
                         for r in done.invalid])
    message = f"已导入 {done.rows_total} 行，{len(done.error_rows)} 行有错误"
    if done.skipped_rows:
        message += f"；已跳过 {len(done.skipped_rows)} 行合计/小计行"
    if replaced:
        message += "；替代了导入 " + "、".join(f"#{b.id}" for b in replaced)
    return ImportOutcome("imported", batch, headers, mapped, unknown, message=message)


def batch_chunks(batch: ImportBatch):
    """The validated chunks of an imported batch, decoded in order, one in memory at a time."""
    chunk_ids = db.session.execute(select(IntakeChunk.id).where(IntakeChunk.batch_id == batch.id)
                                   .order_by(IntakeChunk.seq)).scalars().all()
    for chunk_id in chunk_ids:
        payload = db.session.execute(select(IntakeChunk.payload).where(IntakeChunk.id == chunk_id)).scalar_one()
        yield decode_chunk(batch.source, payload)


SUPERSEDE_MIN_SHARE = 0.5  # of an older batch's people found in the new one: the same extract again
_SAMPLE_CHUNKS = 4  # of the older batch, read to measure that share (20,000 rows are plenty)


def _same_kind(source: str, county_code: str, period: str | None):
    return ImportBatch.query.filter(
        ImportBatch.source == source, ImportBatch.county_code == county_code,
        ImportBatch.status == "imported", ImportBatch.active.is_(True),
        ImportBatch.period.is_(None) if period is None else ImportBatch.period == period)


def _replaceable(source: str, county_code: str, period: str | None) -> bool:
    return db.session.query(_same_kind(source, county_code, period).exists()).scalar()


def _share_found(older: ImportBatch, ids: set) -> float:
    sample = db.session.execute(select(IntakeChunk.payload).where(IntakeChunk.batch_id == older.id)
                                .order_by(IntakeChunk.seq).limit(_SAMPLE_CHUNKS)).scalars()
    seen = found = 0
    for payload in sample:
        for id_number in chunk_id_numbers(payload):
            if id_number is not None:
                seen += 1
                found += id_number in ids
    return found / seen if seen else 1.0


def supersede_previous(batch: ImportBatch, ids: set | None = None) -> list[ImportBatch]:
    """Take the active batches ``batch`` replaces out of use; returns them.

    A department sends one extract per period: a newer one of the same source,
    county and period (or the same rows saved again, in another encoding)
    replaces the older, which stays viewable and points at its replacement, so
    a run never counts the same people twice. For person sources ``ids`` (the
    new batch's ID numbers) must hold at least half of the older batch's
    people: a file of one township's rows sent separately adds to the
    county's file instead of replacing it.
    """
    replaced = []
    for previous in _same_kind(batch.source, batch.county_code, batch.period).filter(ImportBatch.id != batch.id):
        if ids is not None and _share_found(previous, ids) < SUPERSEDE_MIN_SHARE:
            continue
        previous.active, previous.superseded_by_id = False, batch.id
        replaced.append(previous)
    return replaced


def retire_batch(batch: ImportBatch, reason: str, actor=None) -> None:
    """Leave a batch out of future comparison runs, with the user's reason (required)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required to retire a batch")
    if batch.status != "imported" or not batch.active:
        raise ValueError("only an active imported batch can be retired")
    batch.active, batch.retired_reason = False, reason[:1000]
    batch.retired_at, batch.retired_by_id = utcnow(), getattr(actor, "id", None)
