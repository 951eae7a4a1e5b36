"""Validated chunks to bytes and back, for storing imported rows in the database.

A chunk is stored as zlib-compressed JSON: ``{"n": [row numbers], "c": {field:
[values]}}``, dates as ISO text. Decoding turns the date fields back into
dates (the source's field kinds say which), so a comparison run rebuilds
exactly the records the import validated.
"""
from __future__ import annotations

import json
import zlib
from datetime import date

from webapp.intake.mapping import SOURCES
from webapp.intake.validate import ValidatedChunk

_DATE_KINDS = ("date", "month")


def _date_fields(source: str) -> frozenset[str]:
    return frozenset(f.name for f in SOURCES[source].fields if f.kind in _DATE_KINDS)


def encode_chunk(source: str, chunk: ValidatedChunk) -> bytes:
    """Compress a chunk's row numbers and typed columns."""
    dated = _date_fields(source)
    columns = {}
    for field, values in chunk.columns.items():
        if field in dated:
            values = [None if value is None else value.isoformat() for value in values]
        columns[field] = values
    text = json.dumps({"n": chunk.numbers, "c": columns}, ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), 1)


def decode_chunk(source: str, payload: bytes) -> ValidatedChunk:
    """Rebuild a chunk (without its report lines, which are stored separately)."""
    data = json.loads(zlib.decompress(payload).decode("utf-8"))
    dated = _date_fields(source)
    columns = {}
    parse = date.fromisoformat
    for field, values in data["c"].items():
        if field in dated:
            values = [None if value is None else parse(value) for value in values]
        columns[field] = values
    return ValidatedChunk(data["n"], columns, [], {})
