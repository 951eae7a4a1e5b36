"""Spot checks of audited forms (核查工作质量): a seeded, stratified sample, its re-verification, error rates.

The county draws a share of the audited registration forms not sampled before. The sample is
stratified by township and visitor (who filled the form): every stratum with forms gives
``ceil(share × its forms)`` of them, at least one, picked by a random generator seeded with the
draw's seed and the stratum, so the same seed on the same population gives the same sample
(:func:`draw_sample`, pure). Each township's sampled forms become one ``spot_check`` case whose
task (township or county lane, chosen at the draw) records per form: confirmed, wrong field
(which fields) or fabricated visit, with a note. Results count in the error rates from their
campaign day on; a result may be corrected the same day only, so a past bulletin's column stays
what it was.
"""
import math
import random
import secrets

from flask_babel import gettext as _
from sqlalchemy import and_, case as sql_case, exists, func, select

from ...extensions import db
from ...labels import RECORD_FIELDS
from ...models import Area, Case, CaseEvent, RegistrationForm, SpotCheckDraw, SpotCheckItem, User
from ...models.base import utcnow
from ..casework import cases
from . import progress

SPOT_CHECK_PROCESS = "spot_check"
RESULTS = ("confirmed", "wrong_field", "fabricated")
ERRORS = ("wrong_field", "fabricated")
VERIFIERS = ("township", "county")
CHECKABLE_FIELDS = ("name",) + tuple(key for key, _title, _codes in RECORD_FIELDS)


class SpotCheckRefused(Exception):
    """The spot-check step cannot be done; the message says why in the user's language."""


def draw_sample(population, seed, share_percent):
    """The form ids sampled from ``population`` [(form id, township code, visitor id)], sorted.

    Pure: the same seed, share and population give the same ids whatever the input order.
    """
    strata = {}
    for form_id, township, visitor in population:
        strata.setdefault((township or "", visitor or 0), []).append(form_id)
    chosen = []
    for key in sorted(strata):
        ids = sorted(strata[key])
        size = min(len(ids), max(1, math.ceil(len(ids) * share_percent / 100)))
        chosen.extend(random.Random(f"{seed}|{key[0]}|{key[1]}").sample(ids, size))
    return sorted(chosen)


def population_of(county_code):
    """[(form id, township, visitor)] of the county's audited forms never sampled before."""
    audited = exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "task_completed",
                             CaseEvent.task_name == "county_audit_review", CaseEvent.decision == "approve")
    sampled = exists().where(SpotCheckItem.form_id == RegistrationForm.id)
    visitor = func.coalesce(RegistrationForm.filled_by_id, Case.visitor_id)
    rows = db.session.execute(
        select(RegistrationForm.id, Case.township_code, visitor)
        .join(Case, Case.id == RegistrationForm.case_id)
        .where(Case.county_code == county_code, Case.kind == "registration", audited, ~sampled))
    return [tuple(row) for row in rows]


def new_seed():
    """A fresh seed, short enough to read out and type again."""
    return secrets.token_hex(4)


def draw(county_code, share_percent, verifier, actor, seed=None):
    """Draw a sample, store it and open one ``spot_check`` case per township. Caller commits."""
    if not 1 <= share_percent <= 100:
        raise SpotCheckRefused(_("抽查比例应在 1% 至 100% 之间。"))
    if verifier not in VERIFIERS:
        raise SpotCheckRefused(_("请选择核实层级。"))
    seed = (seed or "").strip() or new_seed()
    population = population_of(county_code)
    chosen = set(draw_sample(population, seed, share_percent))
    if not chosen:
        raise SpotCheckRefused(_("暂无可抽查的已审核登记表。"))
    record = SpotCheckDraw(county_code=county_code, seed=seed, share_percent=share_percent, verifier=verifier,
                           population=len(population), sample_size=len(chosen), created_by_id=getattr(actor, "id", None))
    db.session.add(record)
    db.session.flush()
    by_township = {}
    for form_id, township, visitor in population:
        if form_id in chosen:
            by_township.setdefault(township, []).append((form_id, visitor))
    for township_code in sorted(by_township, key=lambda code: code or ""):
        _open_case(record, township_code, by_township[township_code], actor)
    return record


def _open_case(record, township_code, picked, actor):
    area = Area.query.filter_by(code=township_code).one()
    villages = dict(db.session.execute(select(RegistrationForm.id, Case.village_code)
                                       .join(Case, Case.id == RegistrationForm.case_id)
                                       .where(RegistrationForm.id.in_([f for f, _v in picked]))).all())
    items = [SpotCheckItem(draw_id=record.id, form_id=form_id, visitor_id=visitor, county_code=record.county_code,
                           township_code=township_code, village_code=villages.get(form_id), result="pending")
             for form_id, visitor in picked]
    db.session.add_all(items)
    # The title is data seen by every user, kept in Chinese like the other cases' titles.
    case = cases.start_case("spot_check", SPOT_CHECK_PROCESS, f"{area.name} 工作质量抽查（第 {record.id} 批）", area,
                            actor=actor, payload={"draw_id": record.id}, data={"verifier": record.verifier})
    db.session.flush()
    for item in items:
        item.case_id = case.id


def items_of_case(case):
    """The sampled forms of a ``spot_check`` case, in form order."""
    return SpotCheckItem.query.filter_by(case_id=case.id).order_by(SpotCheckItem.form_id).all()


def record_result(item, result, wrong_fields, note, actor):
    """Record what re-verifying ``item`` found (a same-day correction replaces it). Caller commits."""
    today = progress.local_day()
    if item.result != "pending" and item.checked_day != today:
        raise SpotCheckRefused(_("核实结果已计入以往的差错率，不能再更改。"))
    if result not in RESULTS:
        raise SpotCheckRefused(_("请选择核实结果。"))
    fields = [f for f in (wrong_fields or []) if f in CHECKABLE_FIELDS]
    if result == "wrong_field" and not fields:
        raise SpotCheckRefused(_("请勾选有误的项目。"))
    note = (note or "").strip()
    if result in ERRORS and not note:
        raise SpotCheckRefused(_("发现问题的，请写明核实情况。"))
    item.result, item.wrong_fields, item.note = result, (fields if result == "wrong_field" else None), note or None
    item.checked_by_id, item.checked_at, item.checked_day = getattr(actor, "id", None), utcnow(), today
    return item


def check_complete(case):
    """Raise SpotCheckRefused while a sampled form of ``case`` has no result."""
    pending = SpotCheckItem.query.filter_by(case_id=case.id, result="pending").count()
    if pending:
        raise SpotCheckRefused(_("还有 %(n)s 份登记表未核实，请逐表记录核实结果后再提交。", n=pending))


def error_rates(county_code, by="township", as_of=None, township_code=None):
    """Rows {key, checked, wrong_field, fabricated, errors, rate} per township or visitor.

    Counts results recorded up to the end of campaign day ``as_of`` (all when None); ``rate``
    is errors per hundred checked (None when nothing was checked).
    """
    column = SpotCheckItem.township_code if by == "township" else SpotCheckItem.visitor_id
    conditions = [SpotCheckItem.county_code == county_code, SpotCheckItem.result != "pending"]
    if as_of is not None:
        conditions.append(SpotCheckItem.checked_day <= as_of)
    if township_code is not None:
        conditions.append(SpotCheckItem.township_code == township_code)
    counted = lambda value: func.sum(sql_case((SpotCheckItem.result == value, 1), else_=0))  # noqa: E731
    rows = db.session.execute(select(column, func.count(SpotCheckItem.id), counted("wrong_field"),
                                     counted("fabricated")).where(and_(*conditions)).group_by(column))
    result = []
    for key, checked, wrong, fabricated in rows:
        wrong, fabricated = int(wrong or 0), int(fabricated or 0)
        result.append({"key": key, "checked": checked, "wrong_field": wrong, "fabricated": fabricated,
                       "errors": wrong + fabricated, "rate": rate(wrong + fabricated, checked)})
    return result


def area_rate(area):
    """{checked, errors, fabricated, rate} of every result recorded in ``area`` (a county, township or village)."""
    conditions = [SpotCheckItem.county_code == area.county_code, SpotCheckItem.result != "pending"]
    if area.level == "township":
        conditions.append(SpotCheckItem.township_code == area.code)
    elif area.level == "village":
        conditions.append(SpotCheckItem.village_code == area.code)
    checked, errors, fabricated = db.session.execute(
        select(func.count(SpotCheckItem.id), func.sum(sql_case((SpotCheckItem.result.in_(ERRORS), 1), else_=0)),
               func.sum(sql_case((SpotCheckItem.result == "fabricated", 1), else_=0))).where(*conditions)).one()
    errors, fabricated = int(errors or 0), int(fabricated or 0)
    return {"checked": checked, "errors": errors, "fabricated": fabricated, "rate": rate(errors, checked)}


def rate(errors, checked):
    """Errors per hundred checked, one decimal (None when nothing was checked)."""
    return round(100.0 * errors / checked, 1) if checked else None


def named_rates(county_code, by, township_code=None):
    """:func:`error_rates` with each row's name (township or visitor), sorted by rate, worst first."""
    rows = error_rates(county_code, by=by, township_code=township_code)
    keys = [r["key"] for r in rows if r["key"] is not None]
    if by == "township":
        names = dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(keys))).all())
    else:
        names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(keys))).all())
    for row in rows:
        row["name"] = names.get(row["key"], "")
    rows.sort(key=lambda r: (-(r["rate"] or 0), -r["checked"], r["name"]))
    return rows


def draws_of(county_code):
    """The county's draws, newest first, with (checked, pending) counts."""
    draws = SpotCheckDraw.query.filter_by(county_code=county_code).order_by(SpotCheckDraw.id.desc()).all()
    pending = dict(db.session.execute(
        select(SpotCheckItem.draw_id, func.count(SpotCheckItem.id))
        .where(SpotCheckItem.county_code == county_code, SpotCheckItem.result == "pending")
        .group_by(SpotCheckItem.draw_id)).all())
    return [(d, pending.get(d.id, 0)) for d in draws]
