"""Turning a comparison run into work: registration cases, confirmed registry rows, linkage decisions.

* Uninsured people, grouped by household, become registration cases (one per
  household, the whole household listed so nobody in it is missed: 户不漏人).
* Confirmed people are entered into the registration database by agency
  staff, with history pointing at the run.
* Linkage candidates are confirmed or rejected by agency staff.

Every function is safe to call again: work already started or entered is
skipped. Services never commit; the job or route does (in slices for bulk).
"""
from __future__ import annotations

from ...extensions import db
from ...idnumber import birth_date, sex
from ...intake.schemes import codes_in_mask
from ...models import Case, ComparisonResult, Household, LinkageCandidate, Person
from ...models.base import utcnow
from ..casework import cases, registry


def _person_for(result: ComparisonResult, household: Household | None = None) -> Person:
    person = Person.query.filter_by(id_number=result.id_number).one_or_none()
    if person is None:
        person = Person(id_number=result.id_number, name=result.name or "（未知）", sex=sex(result.id_number),
                        birth_date=birth_date(result.id_number), status="normal", household=household,
                        hukou_address=result.address if result.in_register else None,
                        current_address=None if result.in_register else result.address,
                        county_code=result.county_code, township_code=result.township_code,
                        village_code=result.village_code)
        db.session.add(person)
    elif household is not None and person.household_id is None:
        person.household = household
    return person


def _household_for(number: str, members: list[ComparisonResult]) -> Household:
    household = Household.query.filter_by(household_number=number).one_or_none()
    first = members[0]
    if household is None:
        household = Household(household_number=number, address=first.address,
                              county_code=first.county_code, township_code=first.township_code,
                              village_code=first.village_code)
        db.session.add(household)
    return household


def start_registration_cases(run_id: int, actor=None, limit: int | None = None, after: str | None = None) -> dict:
    """Open a registration case for each household with uninsured members (not already open).

    Households are taken in household-number order, ``limit`` at a time, after the number
    ``after``: a job passes back ``last`` to continue, so a slice never re-reads earlier ones.
    Returns {"started", "skipped", "without_household", "last"}; ``last`` is None at the end.
    """
    numbers_query = (db.session.query(ComparisonResult.household_no)
                     .filter(ComparisonResult.run_id == run_id, ComparisonResult.status == "uninsured",
                             ComparisonResult.household_no.isnot(None)))
    if after is not None:
        numbers_query = numbers_query.filter(ComparisonResult.household_no > after)
    numbers = [n for (n,) in numbers_query.distinct().order_by(ComparisonResult.household_no).limit(limit)]
    without = 0
    if after is None:
        without = ComparisonResult.query.filter_by(run_id=run_id, status="uninsured", household_no=None).count()
    if not numbers:
        return {"started": 0, "skipped": 0, "without_household": without, "last": None}
    members_of = {}
    for member in (ComparisonResult.query
                   .filter(ComparisonResult.run_id == run_id, ComparisonResult.household_no.in_(numbers),
                           ComparisonResult.in_register.is_(True))
                   .order_by(ComparisonResult.id)):
        members_of.setdefault(member.household_no, []).append(member)
    households = {h.household_number: h for h in Household.query.filter(Household.household_number.in_(numbers))}
    open_case_households = {household_id for (household_id,) in db.session.query(Case.household_id).filter(
        Case.household_id.in_([h.id for h in households.values()] or [-1]), Case.kind == "registration",
        Case.status != "completed")}
    started = skipped = 0
    for number in numbers:
        household = households.get(number)
        if household is not None and household.id in open_case_households:
            skipped += 1
            continue
        members = members_of.get(number)
        if not members:
            skipped += 1  # uninsured only outside the register: nobody to visit at this address
            continue
        household = household or _household_for(number, members)
        for member in members:
            _person_for(member, household)
        db.session.flush()
        head = next((m for m in members if m.status == "uninsured"), members[0])
        household.head_name = household.head_name or head.name
        cases.start_registration_case(household, actor)
        started += 1
    return {"started": started, "skipped": skipped, "without_household": without, "last": numbers[-1]}


def confirm_into_registry(run_id: int, actor=None, limit: int | None = None) -> int:
    """Enter the run's confirmed people into the registration database (with history).

    People whose current record already says the same are skipped. Returns how
    many records were written; with ``limit``, call again until 0.
    """
    written = 0
    confirmed = ComparisonResult.query.filter_by(run_id=run_id, status="confirmed").order_by(ComparisonResult.id)
    for result in confirmed.yield_per(2000):
        data = {"insured": True, "schemes": list(codes_in_mask(result.schemes)),
                "insured_elsewhere": result.insured_elsewhere, "non_local": result.non_local}
        person = _person_for(result)
        if person.record is not None and person.record.data == data:
            continue
        db.session.flush()
        registry.write_record(person, data, actor, reason="信息比对确认参保", source="comparison",
                              comparison_run_id=run_id)
        written += 1
        if limit is not None and written >= limit:
            break
    return written


def decide_candidate(candidate: LinkageCandidate, actor, confirm: bool) -> LinkageCandidate:
    """Record an agency decision on a "possibly the same person" pair."""
    candidate.status = "confirmed" if confirm else "rejected"
    candidate.decided_by_id, candidate.decided_at = getattr(actor, "id", None), utcnow()
    return candidate
