"""Summary and evaluation (总结评估): each township's summary through ``campaign_summary``, the county's evaluation.

The county opens the summaries: one ``campaign_summary`` case per township. The township writes
three sections (主要做法, 存在问题, 长效机制) and submits; the figures are then taken from the
daily aggregates as of the submission day and frozen in the record (a later resubmission freezes
them again, as of its own day). The county approves or returns it with a reason (the task goes
back to the township). The county's evaluation carries the figures of every township as of the
day it is written, and the same three sections.
"""
from flask_babel import gettext as _
from sqlalchemy import func, select

from ...extensions import db
from ...models import Area, CampaignSummary, ProgressDaily
from ...models.base import utcnow
from ..casework import cases
from . import bulletins, progress

SUMMARY_PROCESS = "campaign_summary"
SECTIONS = ("practices", "problems", "mechanism")
FUNNEL_MEASURES = progress.FUNNEL


class SummaryRefused(Exception):
    """The summary step cannot be done; the message says why in the user's language."""


def open_summaries(county_code, actor):
    """Open a summary case for every township of the county that has none; returns how many. Caller commits."""
    opened = 0
    for township in bulletins.townships_of(county_code):
        if CampaignSummary.query.filter_by(county_code=county_code, township_code=township.code,
                                           kind="township").first() is not None:
            continue
        summary = CampaignSummary(kind="township", county_code=county_code, township_code=township.code, status="open")
        db.session.add(summary)
        db.session.flush()
        # The title is data seen by every user, kept in Chinese like the other cases' titles.
        case = cases.start_case("summary", SUMMARY_PROCESS, f"{township.name} 全民参保登记工作总结", township,
                                actor=actor, payload={"summary_id": summary.id})
        db.session.flush()
        summary.case_id = case.id
        opened += 1
    return opened


def summary_of_case(case):
    """The summary a ``campaign_summary`` case is about."""
    return CampaignSummary.query.filter_by(case_id=case.id).one_or_none()


def township_figures(county_code, as_of):
    """{township code: figures} as of the end of campaign day ``as_of``: the bulletin's ranked row
    (rank, target, registered, completion and return rates, overdue, spot-check error rate) and the funnel."""
    rows = bulletins.figures_as_of(county_code, as_of)
    funnel = {}
    for code, measure, value in db.session.execute(
            select(ProgressDaily.township_code, ProgressDaily.measure, func.sum(ProgressDaily.value))
            .where(ProgressDaily.county_code == county_code, ProgressDaily.day <= as_of,
                   ProgressDaily.measure.in_(FUNNEL_MEASURES))
            .group_by(ProgressDaily.township_code, ProgressDaily.measure)):
        funnel.setdefault(code, {})[measure] = int(value or 0)
    result = {}
    for row in rows:
        figures = dict(row)
        figures["funnel"] = {m: funnel.get(row["code"], {}).get(m, 0) for m in FUNNEL_MEASURES}
        figures["townships"] = len(rows)
        result[row["code"]] = figures
    return result


def _sections(values):
    texts = {key: (values.get(key) or "").strip() for key in SECTIONS}
    if not all(texts.values()):
        raise SummaryRefused(_("主要做法、存在问题、长效机制三部分都要填写。"))
    return texts


def submit(summary, values, actor):
    """Submit ``summary`` with its three sections; its figures are frozen as of today. Caller completes the task."""
    if summary.status not in ("open", "returned"):
        raise SummaryRefused(_("该总结已报送。"))
    texts = _sections(values)
    today = progress.local_day()
    for key, text in texts.items():
        setattr(summary, key, text)
    summary.as_of = today
    summary.figures = township_figures(summary.county_code, today).get(summary.township_code)
    summary.status, summary.submitted_at, summary.submitted_by_id = "submitted", utcnow(), getattr(actor, "id", None)
    return summary


def review(summary, decision, reason, actor):
    """Record the county's decision on a submitted summary (a return needs a reason)."""
    if summary.status != "submitted":
        raise SummaryRefused(_("该总结不在待审核状态。"))
    reason = (reason or "").strip()
    if decision == "return" and not reason:
        raise SummaryRefused(_("退回时请写明原因。"))
    summary.status = "returned" if decision == "return" else "approved"
    summary.return_reason = (reason or None) if decision == "return" else None
    summary.reviewed_at, summary.reviewed_by_id = utcnow(), getattr(actor, "id", None)
    return summary


def summaries_of(county_code, township_code=None):
    """The township summaries of a county (or of one township), by township code."""
    query = CampaignSummary.query.filter_by(county_code=county_code, kind="township")
    if township_code is not None:
        query = query.filter_by(township_code=township_code)
    return query.order_by(CampaignSummary.township_code).all()


def evaluation_of(county_code):
    """The county's evaluation, or None."""
    return CampaignSummary.query.filter_by(county_code=county_code, township_code="", kind="county").one_or_none()


def write_evaluation(county_code, values, actor):
    """Write (or rewrite) the county's evaluation with every township's figures as of today. Caller commits."""
    texts = _sections(values)
    evaluation = evaluation_of(county_code)
    if evaluation is None:
        evaluation = CampaignSummary(kind="county", county_code=county_code, township_code="")
        db.session.add(evaluation)
    today = progress.local_day()
    figures = township_figures(county_code, today)
    rows = sorted(figures.values(), key=lambda r: r["rank"])
    evaluation.figures = {"townships": rows, "totals": bulletins.totals_of(rows)}
    for key, text in texts.items():
        setattr(evaluation, key, text)
    evaluation.as_of, evaluation.status = today, "written"
    evaluation.submitted_at, evaluation.submitted_by_id = utcnow(), getattr(actor, "id", None)
    return evaluation


def township_name(summary):
    """The name of a summary's township (the county's name for the evaluation)."""
    code = summary.township_code or None
    area = Area.query.filter_by(code=code).one_or_none() if code else None
    return area.name if area is not None else ""
