"""The value-mapping page's form: one choice per unknown header and per unknown value.

Field names are positional (``header-3``, ``value-benefit_status-0``) so no
department's word ever becomes an HTML name; the batch's ``pending`` list says
which header or value each position is.
"""
from __future__ import annotations

from webapp.intake.mapping import Source
from webapp.intake.vocabulary import ROW_ERROR, VOCABULARIES

LEAVE_EMPTY_CHOICE = "#empty"


def vocabularies_of(source: Source, pending: dict) -> dict:
    """{field: (field label, {code: label})} for the fields with unknown values."""
    result = {}
    for field in (pending.get("values") or {}):
        vocabulary = VOCABULARIES[source.field(field).kind]
        result[field] = (source.field(field).label, vocabulary.labels())
    return result


def mapping_choices(form, source: Source, pending: dict) -> tuple[dict, dict]:
    """The header and value choices posted, as ``({header: field or None}, {field: {value: code}})``.

    An unanswered header is ignored (None); an unanswered value is left out, so
    the import stops at it again. A field that is not the source's is refused.
    """
    valid = {f.name for f in source.fields}
    headers = {}
    for index, header in enumerate(pending.get("unknown_headers") or ()):
        chosen = form.get(f"header-{index}") or None
        if chosen is not None and chosen not in valid:
            raise ValueError(chosen)
        headers[header] = chosen
    values: dict[str, dict] = {}
    for field, entries in (pending.get("values") or {}).items():
        for index, entry in enumerate(entries):
            chosen = form.get(f"value-{field}-{index}") or ""
            if not chosen:
                continue
            code = None if chosen == LEAVE_EMPTY_CHOICE else chosen
            values.setdefault(field, {})[entry["value"]] = code
    return headers, values


__all__ = ["LEAVE_EMPTY_CHOICE", "ROW_ERROR", "mapping_choices", "vocabularies_of"]
