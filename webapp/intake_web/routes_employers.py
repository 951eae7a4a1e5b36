"""Employer pages of a comparison run: the uninsured employers to inspect, and their Excel export.

Registered on the intake blueprint (imported at the end of ``routes``). The
same roles that see a run see its employers, limited to their area by the
one scoping rule; exports are written to the audit log.
"""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.decorators import roles_required
from ..exports import xlsx_response
from ..extensions import db
from ..models import ComparisonEmployer
from ..employers.forms import RunInspectForm
from ..services import audit, scoping
from ..services.intake import employer_history
from . import bp
from .routes import STAFF
from .routes_runs import _run_or_404

EMPLOYER_STATUS_LABELS = {"uninsured": _l("未参保单位"), "insured": _l("已参保单位"), "not_target": _l("已注销单位")}
EMPLOYER_SOURCE_LABELS = {"market_supervision": _l("企业（市场监管）"), "civil_affairs": _l("社会组织（民政）")}
EMPLOYER_REASON_LABELS = {"by_code": _l("按统一社会信用代码匹配"), "by_name": _l("按单位名称匹配"),
                          "no_enrollment": _l("无参保记录"), "terminated_only": _l("仅有终止参保记录"),
                          "cancelled": _l("已注销或吊销")}
EMPLOYER_CHANGE_LABELS = {"new_uninsured": _l("新增未参保"), "now_insured": _l("已转为参保")}


def _filters():
    """The list's filters from the query string (status defaults to uninsured)."""
    status = request.args.get("status") or "uninsured"
    source, change = request.args.get("source") or "", request.args.get("change") or ""
    return (status if status in EMPLOYER_STATUS_LABELS else "uninsured",
            source if source in EMPLOYER_SOURCE_LABELS else "", change if change in EMPLOYER_CHANGE_LABELS else "")


def _employers_query(run, status, source, change):
    query = scoping.scoped(ComparisonEmployer, current_user).filter(ComparisonEmployer.run_id == run.id,
                                                                   ComparisonEmployer.status == status)
    if source:
        query = query.filter(ComparisonEmployer.source == source)
    if change:
        query = query.filter(ComparisonEmployer.change == change)
    return query.order_by(ComparisonEmployer.source, ComparisonEmployer.township_code, ComparisonEmployer.id)


@bp.route("/runs/<int:run_id>/employers")
@roles_required(*STAFF)
def employers(run_id):
    """A run's employers in the user's area: uninsured by default, by source and change."""
    run = _run_or_404(run_id)
    status, source, change = _filters()
    page = request.args.get("page", 1, type=int)
    pagination = _employers_query(run, status, source, change).paginate(
        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    keys = {e.id: employer_history.key_of(e) for e in pagination.items}
    return render_template("intake/employers.html", run=run, pagination=pagination, status=status, source=source,
                           change=change, keys=keys, inspect_form=RunInspectForm(),
                           profiles=employer_history.profiles_by_key(run.county_code, keys.values()), status_labels=EMPLOYER_STATUS_LABELS, source_labels=EMPLOYER_SOURCE_LABELS,
                           reason_labels=EMPLOYER_REASON_LABELS, change_labels=EMPLOYER_CHANGE_LABELS)


@bp.route("/runs/<int:run_id>/employers.xlsx")
@roles_required(*STAFF)
def employers_export(run_id):
    """The filtered employer list as Excel (user's area, logged)."""
    run = _run_or_404(run_id)
    status, source, change = _filters()
    audit.record(current_user, "export", "comparison_employers", run.id, detail=request.query_string.decode()[:200])
    db.session.commit()
    rows = ((e.name, e.credit_code, EMPLOYER_SOURCE_LABELS.get(e.source, e.source), e.org_type, e.legal_rep,
             e.register_date, e.address, EMPLOYER_STATUS_LABELS.get(e.status, e.status),
             EMPLOYER_REASON_LABELS.get(e.reason, e.reason), e.insured_persons,
             EMPLOYER_CHANGE_LABELS.get(e.change, e.change))
            for e in _employers_query(run, status, source, change).yield_per(2000))
    return xlsx_response(f"run-{run.id}-employers.xlsx", _("用人单位"),
                         [_("单位名称"), _("统一社会信用代码"), _("来源"), _("类型"), _("法定代表人"), _("登记日期"),
                          _("住所"), _("结果"), _("原因"), _("参保人数"), _("与上次比对相比")], rows,
                         code_columns=(1,))  # a credit code is an organisation's, not a person's
