"""Finding the gaps of villages' work: 村不漏户、户不漏人、人不漏项.

Three kinds of gap, found for a set of villages in one pass of indexed reads (by village code):

* ``household`` (村不漏户): a household of the register that is not accounted for. A household is
  accounted for when it has an explained exclusion, or a registration case with an outcome (its
  visit was completed, or the case is closed), or, without a case, every member who is a target
  (status normal) is confirmed insured (an insured registration record, or "confirmed" in the
  latest finished comparison run). ``detail`` says which: an open case without an outcome
  (``open_case``) or no case at all (``no_case``).
* ``member`` (户不漏人): a member of a household whose visit was completed who has no registration
  form in the household's cases and no explained exclusion (e.g. a person added to the household
  after the visit).
* ``field`` (人不漏项): a form of a completed visit without a field its outcome requires
  (:func:`missing_fields`).

Each gap names the page where it is fixed: the case (forms, visit) or the household's
completeness row (record an exclusion).
"""
from sqlalchemy import select

from ...extensions import db
from ...models import (Case, CaseEvent, ComparisonResult, CompletenessExclusion, Household, Person,
                       RegistrationForm, RegistrationRecord)
from ..casework.registry import INSURED_OUTCOMES
from . import progress

GAP_KINDS = ("household", "member", "field")
# Fields every form needs, and those a survey outcome adds (the outcome codes of codes.OUTCOME_CODES).
ALWAYS_REQUIRED = ("outcome_code", "signature")
BY_OUTCOME = {code: ("pension_scheme", "pension_where") for code in INSURED_OUTCOMES}
BY_OUTCOME.update({"willing": ("willing_to_enroll", "willing_scheme"), "unwilling": ("uninsured_reason",),
                   "208": ("note",)})


def missing_fields(data):
    """The fields a form's outcome requires that it lacks (keys of the form's data), in form order."""
    data = data or {}
    needed = list(ALWAYS_REQUIRED) + list(BY_OUTCOME.get(data.get("outcome_code"), ()))
    if (data.get("status") or "normal") == "normal" and not data.get("pension_scheme") \
            and not data.get("medical_scheme") and "uninsured_reason" not in needed:
        needed.append("uninsured_reason")  # as the form itself asks of an uninsured person
    if data.get("pension_scheme") and "pension_where" not in needed:
        needed.append("pension_where")
    return [key for key in needed if data.get(key) in (None, "", False)]


class _Village:
    """What one village's check found: gaps by kind, and how many households it has."""

    def __init__(self, code):
        self.code = code
        self.households = 0
        self.gaps = {kind: [] for kind in GAP_KINDS}

    def counts(self):
        """{kind: number of gaps} and the household total."""
        result = {kind: len(items) for kind, items in self.gaps.items()}
        result["households"] = self.households
        return result


def find_gaps(county_code, village_codes):
    """{village code: _Village} for ``village_codes`` of the county: every gap, with what fixes it.

    Every read is by village code (indexed); a county condition beside it would let a planner
    without statistics pick the county index and read the whole registry.
    """
    codes = list(village_codes)
    found = {code: _Village(code) for code in codes}
    if not codes:
        return found
    households = db.session.execute(
        select(Household.id, Household.household_number, Household.head_name, Household.village_code)
        .where(Household.village_code.in_(codes)).order_by(Household.household_number)).all()
    members = _members(county_code, codes)
    excluded = _exclusions(codes)
    cases = _cases(county_code, codes)
    visited = _visited([case.id for rows in cases.values() for case in rows])
    forms = _forms(sorted(visited))
    insured = _confirmed_insured(county_code, codes)
    for household in households:
        village = found[household.village_code]
        village.households += 1
        _check_household(village, household, members.get(household.id, []), excluded,
                         cases.get(household.id, []), visited, forms, insured)
    return found


def _check_household(village, household, members, excluded, cases, visited, forms, insured):
    base = {"household_id": household.id, "household_number": household.household_number,
            "head_name": household.head_name}
    done = [c for c in cases if c.id in visited or c.status == "completed"]
    if f"h{household.id}" not in excluded and not done:
        targets = [m for m in members if (m.status or "normal") == "normal"]
        if cases:
            village.gaps["household"].append(dict(base, detail="open_case", case_id=cases[-1].id))
        elif any(m.id not in insured and m.id_number not in insured for m in targets):
            village.gaps["household"].append(dict(base, detail="no_case", case_id=None))
    visited_cases = [c for c in cases if c.id in visited]
    if not visited_cases:
        return
    filled = {}
    for case in visited_cases:
        for form in forms.get(case.id, []):
            filled.setdefault(form.id_number, form)
            lacking = missing_fields(form.data)
            if lacking:
                village.gaps["field"].append(dict(base, case_id=case.id, person_name=form.name,
                                                  form_id=form.id, fields=lacking))
    for member in members:
        if member.id_number not in filled and f"p{member.id}" not in excluded:
            village.gaps["member"].append(dict(base, case_id=visited_cases[-1].id, person_id=member.id,
                                               person_name=member.name))


def _members(county_code, codes):
    rows = db.session.execute(
        select(Person.id, Person.id_number, Person.name, Person.status, Person.household_id)
        .join(Household, Household.id == Person.household_id)
        .where(Household.village_code.in_(codes)).order_by(Person.id))
    result = {}
    for row in rows:
        result.setdefault(row.household_id, []).append(row)
    return result


def _exclusions(codes):
    return set(db.session.execute(select(CompletenessExclusion.subject)
                                  .where(CompletenessExclusion.village_code.in_(codes))).scalars())


def _case_filter(county_code, codes):
    # Village codes name their county: no county condition, which a planner might pick as the index.
    return (Case.kind == "registration", Case.village_code.in_(codes))


def _cases(county_code, codes):
    result = {}
    for row in db.session.execute(select(Case.id, Case.household_id, Case.status)
                                  .where(*_case_filter(county_code, codes)).order_by(Case.id)):
        result.setdefault(row.household_id, []).append(row)
    return result


def _chunks(ids, size=5000):
    # Explicit id lists (the planners use the case id indexes for them), a bounded number at a time.
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _visited(case_ids):
    """Ids of the cases (of ``case_ids``) whose visit was completed at least once."""
    result = set()
    for chunk in _chunks(case_ids):
        result.update(db.session.execute(
            select(CaseEvent.case_id).where(CaseEvent.case_id.in_(chunk), CaseEvent.kind == "task_completed",
                                            CaseEvent.task_name == "visit_household",
                                            CaseEvent.decision == "completed")).scalars())
    return result


def _forms(case_ids):
    """The forms of ``case_ids`` (the visited cases: only their forms are checked), by case id."""
    result = {}
    for chunk in _chunks(case_ids):
        for form in db.session.execute(
                select(RegistrationForm.id, RegistrationForm.case_id, RegistrationForm.id_number,
                       RegistrationForm.name, RegistrationForm.data)
                .where(RegistrationForm.case_id.in_(chunk)).order_by(RegistrationForm.id)):
            result.setdefault(form.case_id, []).append(form)
    return result


def _confirmed_insured(county_code, codes):
    """Person ids with an insured record, and ID numbers the latest run confirmed, in the villages."""
    insured = set(db.session.execute(
        select(Person.id).join(RegistrationRecord, RegistrationRecord.person_id == Person.id)
        .where(Person.village_code.in_(codes), RegistrationRecord.insured.is_(True))).scalars())
    run_id = progress.latest_run_id(county_code)
    if run_id is not None:
        insured.update(db.session.execute(
            select(ComparisonResult.id_number).where(ComparisonResult.run_id == run_id,
                                                     ComparisonResult.village_code.in_(codes),
                                                     ComparisonResult.status == "confirmed")).scalars())
    return insured
