"""A folder of department files: which file is which source, and how a comparison scores against a key.

``flask intake compare-dir`` works on any folder: a generated county names its
files' sources in its answer key summary; department files from anywhere are
placed by their headers (the source whose fields they fill best) and, where
headers alone cannot tell (the two organisation registers share their
fields), by words in the file name. The answer key is optional: with one,
:func:`precision_recall` says how the comparison scored.
"""
from __future__ import annotations

from pathlib import Path

from webapp.intake.mapping import SOURCES, map_headers
from webapp.intake.readers import ReadError, TableReader

DATA_SUFFIXES = (".csv", ".txt", ".xlsx")
_NAME_WORDS = {
    "public_security": ("户籍", "公安", "户口", "人口", "register", "hukou", "public_security"),
    "health": ("卫健", "卫计", "卫生", "医保", "医疗", "health"),
    "social_insurance": ("社保", "参保", "养老", "人社", "social"),
    "market_supervision": ("市场", "工商", "企业", "market"),
    "civil_affairs": ("民政", "社会组织", "civil"),
}
_NAME_BONUS = 5  # a matching word in the file name outweighs a few more recognised headers


class SourceUnknown(ValueError):
    """A file whose source cannot be told; the message names it (Chinese, for the operator)."""


def guess_source(path: str | Path) -> str:
    """The source whose required fields a file's headers fill, best; raises SourceUnknown if unsure."""
    path = Path(path)
    try:
        with TableReader(path) as reader:
            headers = reader.info.headers
    except ReadError as exc:
        raise SourceUnknown(f"{path.name}：无法读取（{exc}）") from exc
    name = path.name.lower()
    scores = {}
    for code in SOURCES:
        mapped, _, missing = map_headers(code, headers, None)
        if not missing:
            bonus = _NAME_BONUS if any(word in name for word in _NAME_WORDS.get(code, ())) else 0
            scores[code] = len(mapped) + bonus
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        raise SourceUnknown(f"{path.name}：无法判断数据来源，请用 --source {path.name}=来源 指定")
    return ranked[0][0]


def sources_in_folder(folder: str | Path, explicit: dict[str, str] | None = None) -> dict[Path, str]:
    """{file: source} for the data files of a folder (answer key files left out).

    ``explicit`` ({file name: source}) settles files the headers cannot place.
    Raises SourceUnknown naming every file that could not be placed.
    """
    folder, explicit = Path(folder), explicit or {}
    placed, unknown = {}, []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in DATA_SUFFIXES or path.name.startswith("answer_key"):
            continue
        if path.name in explicit:
            placed[path] = explicit[path.name]
            continue
        try:
            placed[path] = guess_source(path)
        except SourceUnknown as exc:
            unknown.append(str(exc))
    if unknown:
        raise SourceUnknown("\n".join(unknown))
    return placed


def precision_recall(expected: dict, people) -> dict[str, tuple[float, float, int]]:
    """Per status and problem type: (precision, recall, expected count) of the outcomes against a key.

    ``expected`` is :func:`~webapp.synthetic.answer_key.load_answer_key`'s first
    part, {ID: (status, problem types, ...)}; ``people`` the comparison's
    outcomes. A label with nothing predicted or expected scores 1.0.
    """
    got = {p.id_number: (p.status, p.problems) for p in people}
    labels = sorted({v[0] for v in expected.values()} | {v[0] for v in got.values()})
    problems = sorted({t for v in expected.values() for t in v[1]} | {t for v in got.values() for t in v[1]})
    scores = {}
    for label, index in [(s, 0) for s in labels] + [(p, 1) for p in problems]:
        def has(value):
            return value[0] == label if index == 0 else label in value[1]
        want = {i for i, v in expected.items() if has(v)}
        said = {i for i, v in got.items() if has(v)}
        right = len(want & said)
        scores[label] = (right / len(said) if said else 1.0, right / len(want) if want else 1.0, len(want))
    return scores
