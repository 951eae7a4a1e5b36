"""Employers: which registered enterprises and social organisations have no enrollment.

The market supervision (enterprises) and civil affairs (social organisations)
lists say who could employ people; the social insurance file says which
employers have people enrolled. An active organisation that no non-terminated
enrollment row names is an uninsured employer, to be inspected and pressed to
enroll (BRIEF.md, "Employers matter too").

An enrollment row names its employer by unified social credit code when it
has one and always by name; names are compared after :func:`normalize_org_name`
(no whitespace, full-width letters, digits and brackets made half-width), so
``东至县某某（集团）有限公司 `` and ``东至县某某(集团)有限公司`` are the same employer.

No database here: :class:`EmployerIndex` is fed the decoded columns of each
social insurance chunk (half a million rows: column-wise, no per-row
objects), :func:`org_records` reads the organisation chunks, and
:func:`compare_employers` gives one :class:`EmployerOutcome` per organisation.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

ORG_SOURCES = ("market_supervision", "civil_affairs")
STATUSES = ("insured", "uninsured", "not_target")
# Why an organisation got its status.
REASONS = ("by_code", "by_name", "no_enrollment", "terminated_only", "cancelled")
# Brackets NFKC leaves alone but clerks use interchangeably.
_BRACKETS = str.maketrans({"【": "[", "】": "]", "〔": "(", "〕": ")", "〈": "<", "〉": ">", "《": "<", "》": ">"})


def normalize_org_name(name: object) -> str | None:
    """The comparable form of an organisation name, or None for an empty one.

    Whitespace anywhere is dropped (a trailing space, a space after the county),
    full-width letters, digits and brackets become half-width (NFKC), other
    bracket styles become round or square ASCII brackets, and letters are upper case.
    """
    if name is None:
        return None
    text = unicodedata.normalize("NFKC", str(name)).translate(_BRACKETS)
    text = "".join(text.split()).upper()
    return text or None


class EmployerIndex:
    """Employers named by enrollment rows, built chunk by chunk from the social insurance file.

    For each credit code and each normalised name it keeps the ID numbers of
    the people enrolled there by a row that is not terminated, and separately
    whether only terminated rows name it (the employer used to enroll people).
    A row whose ID number is unusable still shows that its employer enrolls
    someone: it counts for the match but not among the people.
    """

    def __init__(self):
        self.by_code: dict[str, set] = {}
        self.by_name: dict[str, set] = {}
        # code / name -> people of terminated rows only (the employer's former staff)
        self.terminated_codes: dict[str, set] = {}
        self.terminated_names: dict[str, set] = {}
        self.rows = 0  # enrollment rows naming an employer (any status)
        self._normal: dict[str, str | None] = {}  # raw name -> normalised (a few thousand employers)

    def _normalized(self, name: str) -> str | None:
        normal = self._normal.get(name, False)
        if normal is False:
            normal = self._normal[name] = normalize_org_name(name)
        return normal

    def add_chunk(self, columns: dict) -> None:
        """Record the employers of one decoded social insurance chunk.

        ``columns`` is ``{field: [values]}`` as :class:`~webapp.intake.validate.ValidatedChunk`
        holds it (fields ``employer_code``, ``employer``, ``enroll_status``,
        ``id_number``; any may be missing). A missing status counts as active,
        as the person comparison reads it.
        """
        codes, names = columns.get("employer_code"), columns.get("employer")
        if codes is None and names is None:
            return
        size = len(codes if codes is not None else names)
        codes = codes if codes is not None else [None] * size
        names = names if names is not None else [None] * size
        statuses = columns.get("enroll_status") or [None] * size
        ids = columns.get("id_number") or [None] * size
        by_code, by_name, memo, normalized = self.by_code, self.by_name, self._normal, self._normalized
        named = [i for i, (code, name) in enumerate(zip(codes, names)) if code is not None or name is not None]
        self.rows += len(named)
        for index in named:
            code, name = codes[index], names[index]
            if name is not None:
                name = memo[name] if name in memo else normalized(name)
                if code is None and name is None:  # a name of spaces only
                    self.rows -= 1
                    continue
            person = ids[index]
            if statuses[index] == "terminated":
                if code is not None:
                    self.terminated_codes.setdefault(code, set()).add(person)
                if name is not None:
                    self.terminated_names.setdefault(name, set()).add(person)
                continue
            if code is not None:
                people = by_code.get(code)
                if people is None:
                    people = by_code[code] = set()
                people.add(person)
            if name is not None:
                people = by_name.get(name)
                if people is None:
                    people = by_name[name] = set()
                people.add(person)


@dataclass(slots=True)
class OrgRecord:
    """One organisation of the market supervision or civil affairs list."""

    source: str
    row: int
    credit_code: str | None
    name: str | None
    org_type: str | None = None
    legal_rep: str | None = None
    register_date: date | None = None
    cancel_date: date | None = None
    status: str | None = None  # active / cancelled (values.ORG_STATUS_WORDS), None when not given
    address: str | None = None

    @property
    def active(self) -> bool:
        """False when the list says the organisation was cancelled or revoked (注销/吊销)."""
        if self.status is not None:
            return self.status != "cancelled"
        return self.cancel_date is None


@dataclass(slots=True)
class EmployerOutcome:
    """The verdict on one organisation."""

    org: OrgRecord
    status: str  # insured / uninsured / not_target
    reason: str  # one of REASONS
    insured_persons: int = 0  # distinct readable ID numbers enrolled there
    staff_persons: int = 0  # distinct readable ID numbers any enrollment row names there, terminated ones too

    @property
    def key(self) -> str:
        """What identifies the organisation from run to run: its code, else its normalised name."""
        return org_key(self.org.source, self.org.credit_code, self.org.name)


def org_key(source: str, credit_code: str | None, name: str | None) -> str:
    """The identity of an organisation across runs (credit code, or source and normalised name)."""
    return credit_code or f"{source}:{normalize_org_name(name) or ''}"


def org_records(source: str, columns: dict, numbers: list) -> list[OrgRecord]:
    """The organisations of one decoded market supervision / civil affairs chunk.

    Rows with neither a usable code nor a name are left out (the import report
    already lists them).
    """
    size = len(numbers)

    def column(field):
        values = columns.get(field)
        return values if values is not None else [None] * size

    return [OrgRecord(source, *values) for values in zip(
        numbers, column("credit_code"), column("org_name"), column("org_type"), column("legal_rep"),
        column("register_date"), column("cancel_date"), column("org_status"), column("address"))
        if values[1] is not None or values[2] is not None]


def compare_employers(orgs, index: EmployerIndex) -> list[EmployerOutcome]:
    """One outcome per organisation, in the order given.

    ``insured``: an enrollment row that is not terminated names the
    organisation by code or by normalised name. ``not_target``: the
    organisation is cancelled or revoked, whatever the enrollment rows say.
    ``uninsured``: everything else, with reason ``terminated_only`` when only
    terminated rows name it. ``staff_persons`` counts the people any row names
    there (terminated ones too): the staff the insurance file knows of.
    """
    outcomes = []
    empty = frozenset()
    for org in orgs:
        name = normalize_org_name(org.name)
        code = org.credit_code
        by_code = index.by_code.get(code, empty) if code else empty
        by_name = index.by_name.get(name, empty) if name else empty
        former = ((index.terminated_codes.get(code, empty) if code else empty)
                  | (index.terminated_names.get(name, empty) if name else empty))
        people = by_code | by_name
        staff = len(people | former) - (None in people or None in former)
        if not org.active:
            outcomes.append(EmployerOutcome(org, "not_target", "cancelled", staff_persons=staff))
        elif people:
            outcomes.append(EmployerOutcome(org, "insured", "by_code" if by_code else "by_name",
                                            len(people) - (None in people), staff))
        else:
            was = (code is not None and code in index.terminated_codes) or (
                name is not None and name in index.terminated_names)
            outcomes.append(EmployerOutcome(org, "uninsured", "terminated_only" if was else "no_enrollment",
                                            staff_persons=staff))
    return outcomes


def employer_counts(outcomes) -> dict:
    """Counts for the run page: employers, employers_<status>, and per source."""
    counts = {"employers": len(outcomes)}
    for status in STATUSES:
        counts[f"employers_{status}"] = 0
    for outcome in outcomes:
        counts[f"employers_{outcome.status}"] += 1
        key = f"employers_{outcome.status}:{outcome.org.source}"
        counts[key] = counts.get(key, 0) + 1
    return counts
