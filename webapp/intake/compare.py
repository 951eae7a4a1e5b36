"""Compare department data by ID number: confirmed, problem or uninsured.

Inputs are plain in-memory records (records.py): the household register, the
enrollments of every scheme, and the rows whose ID could not be read. Every
person seen anywhere comes out with one status:

``problem``     one or more typed problems (below); problems win over the rest
``uninsured``   a target missing a required item (``missing``: pension/medical)
``confirmed``   a target with every required item
``not_target``  deceased, moved out, cancelled, or a non-registered person not
                insured here (``reason`` says which); kept so counts add up

Rules (BRIEF.md):
* Targets are household-registered residents with status normal, and anyone
  (non-registered, or known only from enrollment data) insured here.
* Medical insurance applies at every age; basic pension from age 16, students
  excluded. Being insured in another place counts as insured.
* A non-registered person insured here is a target, not a problem. We cannot
  demand items they may hold in their home county, so they are confirmed.
* Problem types: ``invalid_id`` (per row, see ``ComparisonResult.invalid_ids``),
  ``name_conflict`` (one ID, different names across or within sources),
  ``duplicate_pension`` (enrolled in two basic pension schemes at once: a
  duplicate contribution whether or not either pays a benefit),
  ``duplicate_medical`` (enrolled in two basic medical schemes),
  ``duplicate_benefit`` (pension paid from two schemes; such a person is
  usually enrolled in both, so also a duplicate contribution), ``benefit_after_death``
  (a benefit paid for a month after the month of death, or still being paid).
Terminated enrollments count for nothing.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

from webapp.intake.records import EnrollmentColumns, InvalidIdRecord, RegisterPerson
from webapp.intake.schemes import MEDICAL_MASK, PENSION_MASK, SCHEMES_BY_CODE, codes_in_mask

CONFIRMED, PROBLEM, UNINSURED, NOT_TARGET = "confirmed", "problem", "uninsured", "not_target"
PROBLEM_TYPES = ("invalid_id", "name_conflict", "duplicate_pension", "duplicate_medical",
                 "duplicate_benefit", "benefit_after_death")
# Chinese names of the problem types for stored details and the command line (no request, no
# language); pages and exports show webapp/labels.py's "problem_type" group, translated.
PROBLEM_LABELS = {
    "invalid_id": "身份证号无效", "name_conflict": "姓名与身份证号不一致",
    "duplicate_pension": "重复参加基本养老保险", "duplicate_medical": "重复参加基本医疗保险",
    "duplicate_benefit": "重复领取养老待遇", "benefit_after_death": "死亡后仍领取待遇",
}
PENSION_AGE = 16
_PROGRESS_EVERY = 50_000
_SCHEME_BITS = {code: scheme.bit for code, scheme in SCHEMES_BY_CODE.items()}


@dataclass(slots=True)
class PersonOutcome:
    """The comparison's verdict on one ID number."""

    id_number: str
    status: str
    problems: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reason: str | None = None
    name: str | None = None
    in_register: bool = False
    non_local: bool = False
    insured_elsewhere: bool = False
    schemes: int = 0  # bit mask of enrolled schemes (schemes.codes_in_mask)
    household_no: str | None = None
    head_name: str | None = None
    area_code: str | None = None
    township: str | None = None
    village: str | None = None
    address: str | None = None
    address_from_register: bool = False

    @property
    def scheme_codes(self) -> tuple[str, ...]:
        """The enrolled scheme codes."""
        return codes_in_mask(self.schemes)


@dataclass
class ComparisonResult:
    """Everything one comparison run produced."""

    as_of: date
    people: list[PersonOutcome]
    invalid_ids: list[InvalidIdRecord] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Counts by status and by problem type (invalid-ID rows included)."""
        counts = {CONFIRMED: 0, PROBLEM: 0, UNINSURED: 0, NOT_TARGET: 0}
        counts.update({p: 0 for p in PROBLEM_TYPES})
        for person in self.people:
            counts[person.status] += 1
            for problem in person.problems:
                counts[problem] += 1
        counts["invalid_id"] = len(self.invalid_ids)
        counts[PROBLEM] += len(self.invalid_ids)
        return counts


class _Seen:
    """What the enrollment data says about one ID (bit masks keep it small)."""

    __slots__ = ("names", "enrolled", "benefit", "local", "elsewhere", "paid_until",
                 "paid_open", "address")

    def __init__(self):
        self.names = None  # one name, or a set once a second spelling shows up
        self.enrolled = self.benefit = self.local = self.elsewhere = 0
        self.paid_until = None  # latest benefit month on any row
        self.paid_open = False  # a benefit being paid with no end month given
        self.address = None

    def add_name(self, name):
        if not name or name == self.names:
            return
        if self.names is None:
            self.names = name
        elif isinstance(self.names, set):
            self.names.add(name)
        else:
            self.names = {self.names, name}


def _pension_cutoff(as_of: date) -> str:
    """The latest birth date (YYYYMMDD, as in an ID number) of someone of pension age on ``as_of``.

    Comparing the ID's birth digits with it as text is the age rule without
    parsing half a million dates: born on or before it means 16 or older.
    """
    return f"{as_of.year - PENSION_AGE:04d}{as_of.month:02d}{as_of.day:02d}"


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def _collect(batches: Iterable[EnrollmentColumns], seen: dict[str, _Seen]) -> None:
    bits, get, intern = _SCHEME_BITS, seen.get, sys.intern
    for batch in batches:
        for id_number, name, scheme, status, benefit, until, place, address in zip(
                batch.id_numbers, batch.names, batch.schemes, batch.statuses, batch.benefit_paid,
                batch.paid_until, batch.places, batch.addresses):
            if id_number is None or scheme is None:
                continue
            entry = get(id_number)
            if entry is None:
                entry = seen[id_number] = _Seen()
            if name and name != entry.names:
                entry.add_name(name)
            bit = bits[scheme]
            if status != "terminated":
                entry.enrolled |= bit
                if place is None or place == "local":
                    entry.local |= bit
                else:
                    entry.elsewhere |= bit
            if benefit:
                entry.benefit |= bit
                if until is None:
                    entry.paid_open = True
            if until is not None and (entry.paid_until is None or until > entry.paid_until):
                entry.paid_until = until
            if entry.address is None and address:
                entry.address = intern(address)  # many people of a village share one


def _problems(person: RegisterPerson | None, entry: _Seen | None):
    if entry is None:  # the register alone: one name, no enrollment, nothing to find
        return (), ()
    names = entry.names
    # A set holds two spellings or more; a single name conflicts only with the register's.
    conflict = names.__class__ is set or (names is not None and person is not None and bool(person.name)
                                          and names != person.name)
    pensions, paying = entry.enrolled & PENSION_MASK, entry.benefit & PENSION_MASK
    medical = entry.enrolled & MEDICAL_MASK
    dead = person is not None and (person.status == "deceased" or person.death_date is not None)
    if not (conflict or dead or pensions & (pensions - 1) or paying & (paying - 1) or medical & (medical - 1)):
        return (), ()  # nearly everyone: no set needed, no text built
    problems, details = [], []
    if conflict:
        spellings = set(names) if names.__class__ is set else {names}
        if person is not None and person.name:
            spellings.add(person.name)
        problems.append("name_conflict")
        details.append("姓名不一致：" + " / ".join(sorted(spellings)))
    if paying & (paying - 1):  # two or more bits set
        problems.append("duplicate_benefit")
        details.append("重复领取养老待遇：" + _scheme_list(paying))
    if pensions & (pensions - 1):  # enrolled in two: a duplicate contribution, paying or not (BRIEF.md)
        problems.append("duplicate_pension")
        details.append("重复参加养老保险：" + _scheme_list(pensions))
    if medical & (medical - 1):
        problems.append("duplicate_medical")
        details.append("重复参加医疗保险：" + _scheme_list(medical))
    if dead:
        death = person.death_date
        if death is None:
            overpaid = entry.benefit != 0
        else:
            overpaid = entry.paid_open or (entry.paid_until is not None
                                           and _month(entry.paid_until) > _month(death))
        if overpaid:
            problems.append("benefit_after_death")
            until = f"，发放至 {entry.paid_until:%Y-%m}" if entry.paid_until else ""
            details.append(f"死亡后仍领取待遇：死亡日期 {death or '未知'}{until}")
    return tuple(problems), tuple(details)


def _scheme_list(mask: int) -> str:
    return "、".join(SCHEMES_BY_CODE[c].name for c in codes_in_mask(mask))


_NOTHING = ("pension", "medical")
_NO_PENSION, _NO_MEDICAL = ("pension",), ("medical",)


def _outcome(id_number: str, person: RegisterPerson | None, entry: _Seen | None,
             pension_cutoff: str) -> PersonOutcome:
    # Half a million calls per run: plain locals, one constructor call.
    problems, details = _problems(person, entry)
    if entry is not None:
        enrolled, covered = entry.enrolled, entry.enrolled | entry.benefit
        insured_here, elsewhere = entry.local != 0, entry.elsewhere != 0
    else:
        enrolled = covered = 0
        insured_here = elsewhere = False
    non_local = False
    missing = ()
    if person is not None:
        name, household_no, head_name = person.name, person.household_no, person.head_name
        area_code, township, village = person.area_code, person.township, person.village
        address = person.current_address or person.register_address
        from_register = address is not None
        if person.status != "normal":
            target, reason = False, person.status
        elif person.registered:
            target, reason = True, None
        else:  # a non-registered resident: a target only when insured here
            target = non_local = insured_here
            reason = None if target else "non_registered"
    else:  # known only from enrollment data
        names = entry.names
        name = sorted(names)[0] if names.__class__ is set else names
        household_no = head_name = area_code = township = village = None
        address, from_register = None, False
        target = non_local = insured_here
        reason = None if target else "not_insured_here"
    if address is None and entry is not None:
        address = entry.address
    if target and not non_local:
        # Missing items are kept for problem people too: once the problem is
        # handled they still belong on the survey.
        no_pension = id_number[6:14] <= pension_cutoff and not person.student and not covered & PENSION_MASK
        no_medical = not covered & MEDICAL_MASK
        missing = _NOTHING if no_pension and no_medical else _NO_PENSION if no_pension else \
            _NO_MEDICAL if no_medical else ()
    if problems:
        status = PROBLEM
    elif not target:
        status = NOT_TARGET
    else:
        status, reason = (UNINSURED if missing else CONFIRMED), None
    return PersonOutcome(id_number, status, problems, details, missing, reason, name, person is not None,
                         non_local, elsewhere, enrolled, household_no, head_name, area_code, township, village,
                         address, from_register)


def compare(register: Iterable[RegisterPerson], enrollments: Iterable[EnrollmentColumns],
            invalid_ids: Iterable[InvalidIdRecord] = (), as_of: date | None = None,
            progress: Callable[[int, int], None] | None = None,
            emit: Callable[[list[PersonOutcome]], None] | None = None) -> ComparisonResult:
    """Compare the register with the enrollments (chunks of columns) by ID number.

    ``as_of`` is the date ages are computed at (defaults to today).
    ``progress(done, total)`` is called now and then while outcomes are built,
    and ``emit(outcomes)`` with each new slice of them, so a caller can write
    them out while the rest are computed. Outcomes come in ID-number order.
    Duplicate register rows keep the first; a different name on a duplicate
    shows up as a name conflict.
    """
    as_of = as_of or date.today()
    people: dict[str, RegisterPerson] = {}
    seen: dict[str, _Seen] = {}
    for person in register:
        first = people.setdefault(person.id_number, person)
        if first is not person and person.name and person.name != first.name:
            entry = seen.get(person.id_number) or seen.setdefault(person.id_number, _Seen())
            entry.add_name(person.name)
    _collect(enrollments, seen)

    all_ids = list(people)
    all_ids.extend(i for i in seen if i not in people)
    all_ids.sort()
    total = len(all_ids)
    outcomes, emitted = [], 0
    person_of, entry_of, cutoff = people.get, seen.get, _pension_cutoff(as_of)
    for done, id_number in enumerate(all_ids, start=1):
        outcomes.append(_outcome(id_number, person_of(id_number), entry_of(id_number), cutoff))
        if done % _PROGRESS_EVERY == 0 or done == total:
            if emit is not None:
                emit(outcomes[emitted:])
                emitted = done
            if progress is not None:
                progress(done, total)
    if progress is not None and not total:
        progress(0, 0)
    return ComparisonResult(as_of, outcomes, list(invalid_ids))


@dataclass
class HouseholdVisit:
    """One household to visit, with its uninsured members."""

    household_no: str | None
    area_code: str | None
    township: str | None
    village: str | None
    address: str | None
    head_name: str | None
    members: list[PersonOutcome]


def group_uninsured_by_household(people: Iterable[PersonOutcome]) -> list[HouseholdVisit]:
    """Group uninsured people by household number, ordered by area then household.

    A person without a household number forms a household of one.
    """
    households: dict[str, HouseholdVisit] = {}
    for person in people:
        if person.status != UNINSURED:
            continue
        key = person.household_no or f"~{person.id_number}"
        visit = households.get(key)
        if visit is None:
            visit = households[key] = HouseholdVisit(
                person.household_no, person.area_code, person.township, person.village,
                person.address, person.head_name, [])
        visit.members.append(person)
    return sorted(households.values(),
                  key=lambda h: (h.area_code or "", h.household_no or "~", h.members[0].id_number))
