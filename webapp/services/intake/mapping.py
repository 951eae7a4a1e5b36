"""What uploaders decide about a source's files: header choices and value choices, saved per source.

Both are kept in one JSON form, the one ``flask intake mapping SOURCE`` prints
and ``flask intake import --mapping`` reads::

    {"headers": {"参保人证件号": "id_number", "经办机构": null},
     "values": {"benefit_status": {"按月领取中": "paid", "不详": null, "乱码": "#error"}}}

A header maps to a field (null: ignore the column); a value maps to a code of
the field's vocabulary, null (leave the cell empty) or ``"#error"`` (the row
is an error). An import that meets a header or a value nobody decided stops
in status ``needs_mapping``; :func:`pending_of` describes what it needs.
Services never commit.
"""
from __future__ import annotations

import hashlib
import json

from ...extensions import db
from ...intake.mapping import SOURCES
from ...intake.vocabulary import ROW_ERROR, VOCABULARIES, value_key
from ...models import HeaderMapping, ValueMapping
from ...models.base import utcnow
from .. import notifications

MAX_VALUES_LISTED = 200  # per field: more unknown words than this means a wrong column, not a vocabulary


class MappingError(ValueError):
    """A mapping document names a field, code or source that does not exist (message in Chinese)."""


def coded_fields(source: str) -> dict[str, str]:
    """{field name: vocabulary kind} of the source's coded columns."""
    return {f.name: f.kind for f in SOURCES[source].fields if f.kind in VOCABULARIES}


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


def saved_value_mapping(source: str) -> dict[str, dict[str, str | None]]:
    """{field: {value: code, None (leave empty) or '#error'}} saved for ``source``."""
    saved: dict[str, dict] = {}
    for row in ValueMapping.query.filter_by(source=source).order_by(ValueMapping.id):
        saved.setdefault(row.field, {})[row.value] = row.code
    return saved


def save_value_mapping(source: str, choices: dict[str, dict[str, str | None]], actor=None) -> int:
    """Remember value choices for ``source``; returns how many were saved. Raises MappingError."""
    fields = coded_fields(source)
    existing = {(row.field, row.value): row for row in ValueMapping.query.filter_by(source=source)}
    saved = 0
    for field, values in choices.items():
        if field not in fields:
            raise MappingError(f"字段不是编码字段：{field}")
        codes = VOCABULARIES[fields[field]].codes
        for value, code in values.items():
            if code not in codes and code not in (None, ROW_ERROR):
                raise MappingError(f"{VOCABULARIES[fields[field]].what}没有代码 {code}")
            key = value_key(value)[:128]
            if not key:
                continue
            row = existing.get((field, key)) or ValueMapping(source=source, field=field, value=key)
            row.code, row.updated_at, row.updated_by_id = code, utcnow(), getattr(actor, "id", None)
            db.session.add(row)
            existing[(field, key)] = row
            saved += 1
    return saved


def mapping_document(source: str) -> dict:
    """The saved header and value choices of ``source`` in the JSON form above."""
    return {"headers": saved_mapping(source), "values": saved_value_mapping(source)}


def apply_document(source: str, document: dict, actor=None) -> None:
    """Save a mapping document's header and value choices for ``source`` (both checked first)."""
    if source not in SOURCES:
        raise MappingError(f"没有这个数据来源：{source}")
    if not isinstance(document, dict) or not set(document) <= {"headers", "values"}:
        raise MappingError("对应关系文件应为 {\"headers\": {...}, \"values\": {...}}")
    headers = document.get("headers") or {}
    values = document.get("values") or {}
    valid = {f.name for f in SOURCES[source].fields}
    wrong = [field for field in headers.values() if field is not None and field not in valid]
    if wrong:
        raise MappingError("没有这些字段：" + "、".join(map(str, wrong)))
    save_mapping(source, headers, actor)
    save_value_mapping(source, values, actor)


def pending_of(unknown_headers: list, missing: list, unknown_values: dict) -> dict:
    """What an upload needs before it can be imported, as stored on the batch (JSON)."""
    values = {}
    for field, seen in unknown_values.items():
        ranked = sorted(seen.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_VALUES_LISTED]
        values[field] = [{"value": value, "count": count, "rows": rows} for value, (count, rows) in ranked]
    return {"unknown_headers": list(unknown_headers), "missing": list(missing), "values": values}


def describe_pending(source: str, pending: dict) -> list[str]:
    """The pending mapping as lines for a person (the command line prints them)."""
    src = SOURCES[source]
    lines = []
    if pending.get("missing"):
        lines.append("缺少必需的列：" + "、".join(src.field(name).label for name in pending["missing"]))
    for header in pending.get("unknown_headers", ()):
        lines.append(f"未识别的列：{header}")
    for field, entries in pending.get("values", {}).items():
        label = src.field(field).label
        for entry in entries:
            rows = "、".join(str(n) for n in entry["rows"])
            lines.append(f"未识别的值：{label}（{field}）“{entry['value']}”，{entry['count']} 行，如第 {rows} 行")
    return lines


def notify_needs_mapping(batch, actor) -> None:
    """Tell the uploader their file waits for mapping (once per batch and what it needs)."""
    if actor is None or getattr(actor, "id", None) is None:
        return
    digest = hashlib.sha1(json.dumps(batch.pending, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    notifications.notify([actor.id], "intake_mapping", message=batch.file_name,
                         detail={"batch_id": batch.id}, dedupe=f"{batch.id}:{digest}")


def notify_done(batch, actor) -> None:
    """Tell the uploader a background import finished (imported, rejected or a duplicate)."""
    if actor is None or getattr(actor, "id", None) is None or batch is None:
        return
    notifications.notify([actor.id], "intake_done", message=batch.file_name,
                         detail={"batch_id": batch.id, "status": batch.status}, dedupe=f"{batch.id}:{batch.status}")
