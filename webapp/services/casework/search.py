"""One search over households, persons and cases, limited to the user's area by scoping.py.

What the text looks like decides what is searched: 4-6 trailing characters of an ID number
(digits, maybe ending in X) match the end of ID numbers; a full ID matches exactly; longer digit
runs match household numbers and phone numbers; anything else matches names, heads of household
and case titles. Only the user's area is ever searched, so a short ID suffix stays meaningful."""
import re
from dataclasses import dataclass, field

from sqlalchemy import func

from ...idnumber import normalize_id
from ...models import Case, Household, Person
from ..scoping import scope_condition

LIMIT = 20
_ID_SUFFIX = re.compile(r"^\d{3,5}[\dX]$")
_DIGITS = re.compile(r"^[\d\-+ ]{7,32}$")


@dataclass
class SearchResults:
    """What one search found (each list at most LIMIT long) and whether a list was cut."""

    text: str
    kind: str = "name"  # id_suffix / id / number / name
    persons: list = field(default_factory=list)
    households: list = field(default_factory=list)
    cases: list = field(default_factory=list)
    truncated: bool = False

    @property
    def total(self):
        return len(self.persons) + len(self.households) + len(self.cases)


def _kind(text):
    if _ID_SUFFIX.match(text):
        return "id_suffix"
    if len(text) >= 15 and normalize_id(text).ok:
        return "id"
    if _DIGITS.match(text):
        return "number"
    return "name"


def _take(query, order, results):
    rows = query.order_by(order).limit(LIMIT + 1).all()
    if len(rows) > LIMIT:
        results.truncated = True
    return rows[:LIMIT]


def search(user, text):
    """Households, persons and cases in ``user``'s area that match ``text``."""
    text = (text or "").strip().upper()[:64]
    results = SearchResults(text=text, kind=_kind(text) if text else "name")
    if len(text) < 2:
        return results
    persons = Person.query.filter(scope_condition(Person, user))
    households = Household.query.filter(scope_condition(Household, user))
    cases = Case.query.filter(scope_condition(Case, user))
    if results.kind == "id_suffix":
        results.persons = _take(persons.filter(Person.id_number.endswith(text)), Person.id, results)
        results.households = _take(households.filter(Household.head_id_number.endswith(text)), Household.id, results)
    elif results.kind == "id":
        canonical = normalize_id(text).canonical
        results.persons = _take(persons.filter(Person.id_number == canonical), Person.id, results)
        results.households = _take(households.filter(Household.head_id_number == canonical), Household.id, results)
    elif results.kind == "number":
        digits = re.sub(r"\D", "", text)
        results.households = _take(households.filter(Household.household_number.contains(digits)), Household.id,
                                   results)
        phone = func.replace(func.replace(Person.phone, "-", ""), " ", "")
        results.persons = _take(persons.filter(phone.contains(digits)), Person.id, results)
    else:
        results.persons = _take(persons.filter(Person.name.contains(text)), Person.id, results)
        results.households = _take(households.filter(Household.head_name.contains(text) |
                                                     Household.address.contains(text)), Household.id, results)
    household_ids = [h.id for h in results.households]
    case_filter = Case.title.contains(text) if results.kind == "name" else Case.household_id.in_(
        household_ids or [0])
    if results.kind in ("name", "number") or household_ids:
        results.cases = _take(cases.filter(case_filter), Case.id.desc(), results)
    return results


def latest_case_ids(user, household_ids):
    """{household id: its newest case id in ``user``'s area}, to open a household from the results."""
    if not household_ids:
        return {}
    rows = (Case.query.filter(scope_condition(Case, user), Case.household_id.in_(household_ids))
            .with_entities(Case.household_id, func.max(Case.id)).group_by(Case.household_id).all())
    return dict(rows)
