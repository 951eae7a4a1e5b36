"""Record linkage: "possibly the same person" for rows without a valid ID.

A row whose ID is unusable (bad check character, Excel damage, lost X) still
has a name, usually a birth date and sometimes an address. We look for known
people (with valid IDs) who match, score each pair with rapidfuzz, and hand
the pairs above a threshold to agency staff, who confirm or reject. Nothing
is merged automatically.

Blocking keeps it fast: a record is only compared with people who share the
readable first 17 digits of its damaged ID, or its birth date — or, when the
birth date is unknown too, its surname and the start of its address.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Iterable

from rapidfuzz import fuzz

from webapp.intake.records import InvalidIdRecord

DEFAULT_THRESHOLD = 0.75
_WEIGHTS = {"name": 0.4, "birth": 0.25, "address": 0.15, "id": 0.2}
_COUNTY_LEVEL = re.compile(r".*?[省市县区旗]")
_DIGITS = re.compile(r"\d+")


def _born(target) -> date | None:
    """A target's birth date: given (``birth_date``), else read from its ID number."""
    given = getattr(target, "birth_date", None)
    if given is not None:
        return given
    digits = target.id_number
    return date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))


@dataclass(frozen=True, slots=True)
class LinkCandidate:
    """One scored pair: an invalid-ID row and a known person."""

    source: str
    row: int
    id_raw: str
    name: str | None
    candidate_id: str
    candidate_name: str | None
    score: float
    reasons: tuple[str, ...]
    batch_id: int | None = None  # the record's import batch, when it came from the database


@lru_cache(maxsize=1 << 18)
def address_core(address: str | None) -> str:
    """The township/village part of an address: province, city and county removed."""
    if not address:
        return ""
    text = "".join(address.split())
    rest = text
    while True:  # drop '安徽省', '池州市', '东至县' ... from the front
        match = _COUNTY_LEVEL.match(rest)
        if not match or len(match.group()) > 5:
            break
        rest = rest[match.end():]
    return rest


def _birth_from_raw(raw: str) -> date | None:
    # A damaged ID often still carries a readable birth date (lost X, bad check char).
    digits = raw.upper().rstrip("X")
    if len(digits) in (17, 18) and digits[:17].isdigit():
        try:
            return date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
        except ValueError:
            return None
    return None


def _id_prefix(raw: str) -> str | None:
    digits = raw.upper()
    return digits[:17] if len(digits) >= 17 and digits[:17].isdigit() else None


def _birth_key(day: date | None) -> str | None:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}" if day else None


class _Index:
    """Blocking indexes over the targets."""

    def __init__(self, targets: list, records: list[InvalidIdRecord]):
        # Only keys some record asks for are indexed: half a million targets,
        # a few thousand records.
        births, places, prefixes = set(), set(), set()
        for record in records:
            birth = record.birth_date or _birth_from_raw(record.id_raw or "")
            births.add(_birth_key(birth))
            if birth is None:
                places.add(self.place_key(record.name, record.address))
            prefixes.add(_id_prefix(record.id_raw or ""))
        first_chars = {key[0] for key in places if key}
        self.by_birth: dict[str, list[int]] = {}
        self.by_place: dict[tuple[str, str], list[int]] = {}
        self.by_id17: dict[str, list[int]] = {}
        for index, target in enumerate(targets):
            birth = _birth_key(getattr(target, "birth_date", None)) or target.id_number[6:14]
            if birth in births:
                self.by_birth.setdefault(birth, []).append(index)
            if target.id_number[:17] in prefixes:
                self.by_id17.setdefault(target.id_number[:17], []).append(index)
            if target.name and target.name[0] in first_chars:
                key = self.place_key(target.name, target.address)
                if key in places:
                    self.by_place.setdefault(key, []).append(index)

    @staticmethod
    def place_key(name: str | None, address: str | None):
        core = address_core(address)[:5]
        return (name[0], core) if name and core else None

    def candidates(self, record: InvalidIdRecord, birth: date | None) -> set[int]:
        found: set[int] = set()
        prefix = _id_prefix(record.id_raw)
        if prefix:
            found.update(self.by_id17.get(prefix, ()))
        if birth:
            found.update(self.by_birth.get(_birth_key(birth), ()))
        else:
            # Without a birth date, the surname and village are all there is to go on
            # (a wide block: a common surname fills a good part of a village).
            key = self.place_key(record.name, record.address)
            if key:
                found.update(self.by_place.get(key, ()))
        return found


def score_pair(record: InvalidIdRecord, target, birth: date | None, give_up_below: float = 0.0):
    """Score one pair in 0..1 and say why; missing fields drop out of the weighting.

    A pair with no name on either side scores 0. With ``give_up_below``, a
    pair that could not reach it even with identical addresses scores 0 before
    the addresses are compared (the slowest part, and most pairs in a block
    are plainly different people).
    """
    if not (record.name and target.name):
        return 0.0, ()
    parts = {"name": fuzz.ratio(record.name, target.name) / 100}
    target_birth = _born(target)
    if birth and target_birth:
        parts["birth"] = 1.0 if birth == target_birth else 0.5 if (birth.year, birth.month) == (
            target_birth.year, target_birth.month) else 0.0
    digits = "".join(_DIGITS.findall(record.id_raw or ""))
    if len(digits) >= 15:
        parts["id"] = fuzz.ratio(digits, target.id_number[:len(digits)]) / 100
    if record.address and target.address:
        if give_up_below:
            known = sum(_WEIGHTS[k] * v for k, v in parts.items()) + _WEIGHTS["address"]
            if known / (sum(_WEIGHTS[k] for k in parts) + _WEIGHTS["address"]) < give_up_below:
                return 0.0, ()
        parts["address"] = fuzz.partial_ratio(address_core(record.address), address_core(target.address)) / 100
    reasons = tuple(reason for reason, holds in (
        ("姓名相同", parts["name"] == 1), ("出生日期相同", parts.get("birth") == 1.0),
        ("地址相近", parts.get("address", 0) >= 0.9), ("身份证号相近", parts.get("id", 0) >= 0.9)) if holds)
    weight = sum(_WEIGHTS[k] for k in parts)
    return sum(_WEIGHTS[k] * v for k, v in parts.items()) / weight, reasons


def decision_key(source: str, id_raw: str | None, name: str | None) -> tuple:
    """What identifies an unusable-ID row across files: a re-saved or newer extract repeats it."""
    return source, id_raw or "", name or ""


def relink_chunk(chunk, links: dict[int, str]) -> int:
    """Give the rows of ``chunk`` numbered in ``links`` ({row number: ID}) the ID staff confirmed.

    The row then counts as that person's, with all its data, like any row with
    a valid ID. Returns how many rows were relinked.
    """
    ids = chunk.columns.get("id_number")
    if not links or ids is None:
        return 0
    done = 0
    for index, number in enumerate(chunk.numbers):
        id_number = links.get(number)
        if id_number is not None and ids[index] is None:
            ids[index] = id_number
            done += 1
    return done


def find_candidates(records: Iterable[InvalidIdRecord], targets: list,
                    threshold: float = DEFAULT_THRESHOLD, per_record: int = 3,
                    rejected: frozenset | set = frozenset()) -> list[LinkCandidate]:
    """Return the best-scoring pairs (at most ``per_record`` each) at or above ``threshold``.

    ``targets`` are the known people with a valid ID: anything with ``id_number``,
    ``name``, ``address`` and optionally ``birth_date`` (comparison outcomes as they are).
    ``rejected`` holds pairs staff already rejected, as ``decision_key(...) + (ID,)``:
    they are not proposed again.
    """
    records = list(records)
    index = _Index(targets, records)
    found: list[LinkCandidate] = []
    for record in records:
        birth = record.birth_date or _birth_from_raw(record.id_raw or "")
        scored = []
        for position in index.candidates(record, birth):
            target = targets[position]
            score, reasons = score_pair(record, target, birth, give_up_below=threshold)
            if score >= threshold and not (
                    rejected and decision_key(record.source, record.id_raw, record.name)
                    + (target.id_number,) in rejected):
                scored.append((score, target.id_number, target, reasons))
        scored.sort(key=lambda item: (-item[0], item[1]))
        for score, _, target, reasons in scored[:per_record]:
            found.append(LinkCandidate(record.source, record.row, record.id_raw, record.name,
                                       target.id_number, target.name, round(score, 4), reasons,
                                       record.batch_id))
    return found
