"""Change requests (变更登记): kinds, who reviews them, conflicts, and applying with history.

A request names one field of one person, the value its raiser saw and the value it asks for.
Applying compares the seen value with the current one: a newer value is never overwritten
silently (the request is refused with the reason). Every applied change writes one history row
(before → after, who, why, which case and request). The review runs in the ``dynamic_change``
process (docs/process-contract.md); ``reviewer`` in its data picks the township or county lane.
"""
from flask_babel import gettext as _

from ... import areacodes
from ...extensions import db
from ...idnumber import birth_date, sex
from ...models import Area, Case, ChangeRequest, Household, Person, RegistrationHistory, RegistrationRecord
from ...models.base import utcnow
from .. import audit
from . import cases, registry

# kind -> (the field it changes, a fixed new value or None when the raiser gives it). Stored in
# Chinese words on pages through labels (group "change_kind").
KINDS = {
    "death": ("status", "deceased"),
    "move_out": ("status", "moved_away"),
    "move_in": ("person", None),
    "birth": ("person", None),
    "household_split": ("household", None),
    "household_merge": ("household", None),
    "status": ("status", None),
    "scheme": (None, None),  # pension_scheme or medical_scheme: the raiser picks
    "correction": (None, None),  # one of CORRECTABLE
}
KIND_ZH = {"death": "死亡", "move_out": "迁出", "move_in": "迁入", "birth": "新生儿", "household_split": "分户",
           "household_merge": "并户", "status": "状态变更", "scheme": "险种变更", "correction": "信息更正"}
PERSON_COLUMNS = ("name", "ethnicity", "phone", "hukou_address", "current_address", "relation_to_head", "status")
RECORD_FIELDS = ("pension_scheme", "medical_scheme", "outcome_code")
CORRECTABLE = ("name", "ethnicity", "phone", "hukou_address", "current_address", "relation_to_head")
SCHEME_FIELDS = ("pension_scheme", "medical_scheme")
# The one list of sensitive fields: whoever raised it, a change to these is reviewed by the county.
SENSITIVE_FIELDS = frozenset({"name", "ethnicity", "status", "household", "person"})
OPEN = "open"


class ChangeRefused(Exception):
    """The change cannot be raised or applied; the message says why in the user's language."""


def reviewer_for(origin, field):
    """The role that reviews: township for village-raised plain fields, county for the rest."""
    return "township" if origin == "village" and field not in SENSITIVE_FIELDS else "county"


def field_for(kind, field=None):
    """The field a request of ``kind`` changes (``field`` for scheme and correction requests)."""
    if kind not in KINDS:
        raise ChangeRefused(_("未知的变更类型。"))
    fixed, _value = KINDS[kind]
    if fixed:
        return fixed
    allowed = SCHEME_FIELDS if kind == "scheme" else CORRECTABLE
    if field not in allowed:
        raise ChangeRefused(_("请选择要变更的项目。"))
    return field


def current_value(field, person):
    """What the registry holds now for ``field`` of ``person`` (None when unknown)."""
    if field == "person":
        return None if person is None else person.id_number
    if person is None:
        return None
    if field in PERSON_COLUMNS:
        return getattr(person, field)
    if field == "household":
        return person.household.household_number if person.household else None
    return (person.record.data or {}).get(field) if person.record else None


def _same(a, b):
    return (a or None) == (b or None)


def is_stale(request, person=None):
    """True when the registry no longer holds the value the request saw."""
    person = person if person is not None else _person_of(request)
    return not _same(current_value(request.field, person), request.seen_value)


def _person_of(request):
    if request.person_id:
        return db.session.get(Person, request.person_id)
    return Person.query.filter_by(id_number=request.id_number).one_or_none()


def stale_message(request):
    """Why a stale request cannot apply, in the user's language."""
    return _("登记库中的该项已被改动（申请时看到的值与现值不同），本变更不能覆盖较新的值；请驳回后按现值重新申报。")


def raise_request(kind, actor, origin, reason, new_value, person=None, field=None, evidence=None,
                  area=None, start=True):
    """Raise one change request (and start its review case unless ``start`` is False)."""
    field = field_for(kind, field)
    fixed = KINDS[kind][1]
    new_value = fixed if fixed is not None else new_value
    if field == "person":
        if not isinstance(new_value, dict) or not new_value.get("id_number") or not new_value.get("name"):
            raise ChangeRefused(_("请填写新增人员的公民身份号码和姓名。"))
        if Person.query.filter_by(id_number=new_value["id_number"]).first() is not None:
            raise ChangeRefused(_("该公民身份号码已在登记库中。"))
        id_number, name = new_value["id_number"], new_value["name"]
    else:
        if person is None:
            raise ChangeRefused(_("请选择人员。"))
        id_number, name = person.id_number, person.name
        if new_value is None:  # a scheme may become "" (left the scheme); nothing given is not a change
            raise ChangeRefused(_("请填写申请变更的新值（险种须与所选项目相符）。"))
        if _same(current_value(field, person), new_value):
            raise ChangeRefused(_("申请的新值与登记库现值相同，无需变更。"))
    if field == "household" and kind == "household_merge" and \
            Household.query.filter_by(household_number=new_value).first() is None:
        raise ChangeRefused(_("并入的户号不存在。"))
    if not (reason or "").strip():
        raise ChangeRefused(_("请写明变更原因。"))
    where = area if area is not None else _area_of(person)
    request = ChangeRequest(kind=kind, field=field, person_id=getattr(person, "id", None), id_number=id_number,
                            name=name, seen_value=current_value(field, person), new_value=new_value,
                            reason=reason.strip()[:500], evidence=(evidence or "").strip()[:500] or None,
                            origin=origin, reviewer_role=reviewer_for(origin, field), status=OPEN,
                            raised_by_id=getattr(actor, "id", None), created_at=utcnow(),
                            county_code=where.county_code, township_code=where.township_code,
                            village_code=where.code if where.level == "village" else None)
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "request_change", "person", getattr(person, "id", None) or id_number,
                 detail=f"change_request {request.id}")
    if start:
        start_review(request, actor)
    return request


def _area_of(person):
    code = person.village_code or person.township_code or areacodes.county_area_code(person.county_code)
    return Area.query.filter_by(code=code).one()


def area_of_request(request):
    """The area the request's case runs in (its village, else township, else county)."""
    code = request.village_code or request.township_code or areacodes.county_area_code(request.county_code)
    return Area.query.filter_by(code=code).one()


def start_review(request, actor=None):
    """Open the request's ``dynamic_change`` case; the reviewer's lane comes from the request."""
    # The title is data seen by every user, kept in Chinese like the other cases' titles.
    title = f"{request.name or ''} 的登记变更（{KIND_ZH[request.kind]}）"
    case = cases.start_case("dynamic_change", "dynamic_change", title, area_of_request(request), actor=actor,
                            payload={"change_request_id": request.id, "reason": request.reason},
                            person=request.person, data={"reviewer": request.reviewer_role})
    request.case = case
    cases.add_event(case, "change_requested", actor, comment=request.reason)
    return case


def request_of_case(case):
    """The change request a ``dynamic_change`` case reviews (None for cases of older versions)."""
    return ChangeRequest.query.filter_by(case_id=case.id).one_or_none()


def conflicts(request):
    """What stands against ``request`` now: other open requests on the same field, open cases, staleness."""
    person = _person_of(request)
    others = (ChangeRequest.query.filter(ChangeRequest.id_number == request.id_number,
                                         ChangeRequest.field == request.field, ChangeRequest.status == OPEN,
                                         ChangeRequest.id != request.id)
              .order_by(ChangeRequest.id).all()) if request.status == OPEN else []
    open_cases = []
    if person is not None and person.household_id and request.status == OPEN:
        open_cases = Case.query.filter_by(kind="registration", household_id=person.household_id,
                                          status="open").all()
    stale = request.status == OPEN and is_stale(request, person)
    return {"others": others, "open_cases": open_cases, "stale": stale,
            "current": current_value(request.field, person)}


def check_approvable(request):
    """Raise ChangeRefused when approving now would overwrite a newer value."""
    if request.status != OPEN:
        raise ChangeRefused(_("该变更申请已办结。"))
    if is_stale(request):
        raise ChangeRefused(stale_message(request))


def reject(request, actor, comment):
    """The reviewer refused the change: the reason is kept on the request."""
    request.status, request.outcome_note = "rejected", (comment or "").strip()[:500]
    request.decided_by_id, request.decided_at = getattr(actor, "id", None), utcnow()


def apply(request, actor, case=None):
    """Apply an approved request with history; a stale one is refused (status ``refused``), never applied."""
    person = _person_of(request)
    request.decided_by_id, request.decided_at = getattr(actor, "id", None), utcnow()
    if request.status != OPEN:
        return False
    if is_stale(request, person):
        request.status, request.outcome_note = "refused", stale_message(request)
        if case is not None:
            cases.add_event(case, "change_refused", actor, comment=request.outcome_note)
        return False
    person = _write(request, person)
    db.session.add(RegistrationHistory(person=person, changed_by_id=getattr(actor, "id", None),
                                       reason=request.reason[:256], case_id=getattr(case, "id", None),
                                       comparison_run_id=request.comparison_run_id, change_request_id=request.id,
                                       before={request.field: request.seen_value},
                                       after={request.field: _shown(request)}, changed_at=utcnow()))
    request.status = "applied"
    if case is not None:
        cases.add_event(case, "change_applied", actor)
    _recheck_others(request, actor)
    return True


def _shown(request):
    value = request.new_value
    return value.get("id_number") if request.field == "person" and isinstance(value, dict) else value


def _write(request, person):
    field, value = request.field, request.new_value
    if field == "person":
        return _new_person(request)
    if field in PERSON_COLUMNS:
        setattr(person, field, value)
        if field == "status" and person.record is not None:
            person.record.data = dict(person.record.data or {}, status=value)
    elif field == "household":
        person.household = _household(value, person)
    else:
        record = person.record
        if record is None:
            record = RegistrationRecord(person=person, data={}, source="change")
            db.session.add(record)
        data = dict(record.data or {}, **{field: value})
        record.data = data
        if field == "outcome_code":
            record.outcome_code = value or None
        record.insured = bool(data.get("insured")) or record.outcome_code in registry.INSURED_OUTCOMES or \
            bool(data.get("pension_scheme") or data.get("medical_scheme"))
        record.source, record.updated_at = "change", utcnow()
    return person


def _household(number, person):
    household = Household.query.filter_by(household_number=number).one_or_none()
    if household is None:
        household = Household(household_number=number, head_name=person.name, head_id_number=person.id_number,
                              address=person.current_address, county_code=person.county_code,
                              township_code=person.township_code, village_code=person.village_code)
        db.session.add(household)
    return household


def _new_person(request):
    value = request.new_value
    household = None
    if value.get("household_number"):
        household = Household.query.filter_by(household_number=value["household_number"]).one_or_none()
    person = Person(id_number=value["id_number"], name=value["name"], sex=sex(value["id_number"]),
                    birth_date=birth_date(value["id_number"]), household=household, status="normal",
                    relation_to_head=value.get("relation_to_head"), current_address=value.get("address"),
                    county_code=request.county_code, township_code=request.township_code,
                    village_code=request.village_code)
    db.session.add(person)
    db.session.flush()
    request.person_id = person.id
    return person


def _recheck_others(applied, actor):
    """Applying one request re-checks the others open on the same field: their timelines say so."""
    others = ChangeRequest.query.filter(ChangeRequest.id_number == applied.id_number,
                                        ChangeRequest.field == applied.field, ChangeRequest.status == OPEN,
                                        ChangeRequest.id != applied.id).all()
    for other in others:
        if other.case is not None and is_stale(other):
            cases.add_event(other.case, "conflict_recheck", actor,
                            comment=f"变更申请 #{applied.id} 已生效，本申请所见的原值已不是现值")


def contested_ids(request_ids):
    """Of ``request_ids``, those with another open request on the same person and field (one query)."""
    if not request_ids:
        return set()
    other = db.aliased(ChangeRequest)
    rows = (db.session.query(ChangeRequest.id)
            .join(other, (other.id_number == ChangeRequest.id_number) & (other.field == ChangeRequest.field)
                  & (other.status == OPEN) & (other.id != ChangeRequest.id))
            .filter(ChangeRequest.id.in_(request_ids), ChangeRequest.status == OPEN).distinct())
    return {row[0] for row in rows}
