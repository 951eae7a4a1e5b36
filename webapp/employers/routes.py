"""Employer pages: one employer across runs, inspections list, the annual check (年审) list, the tax flag.

County roles see the county's employers, township staff those whose address names their township
(the one scoping rule). Opening inspections, the tax flag and the annual check are county work.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..attempts import attempt
from ..auth.decorators import roles_required
from ..exports import xlsx_response
from ..extensions import db
from ..labels import label
from ..models import EmployerInspection
from ..services import audit, scoping
from ..services.casework import inspections
from ..services.intake import employer_history, runs as intake_runs
from . import bp
from .forms import EmployerActionForm, RunInspectForm, TaxFlagForm

VIEWERS = ("county", "agency", "supervisor", "admin", "township")
COUNTY_WORK = ("county",)


def _latest_row(key):
    """The employer's row in the newest run the user sees (404 when none)."""
    found = employer_history.history(current_user, key)
    if not found:
        abort(404)
    return found[-1][1]


@bp.route("/")
@roles_required(*VIEWERS)
def inspection_list():
    """The inspections in the user's area, open first."""
    status = request.args.get("status") or "open"
    query = scoping.scoped(EmployerInspection, current_user)
    if status in ("open", "closed"):
        query = query.filter(EmployerInspection.status == status)
    rows = query.order_by(EmployerInspection.id.desc()).limit(500).all()
    return render_template("employers/inspections.html", rows=rows, status=status)


@bp.route("/history")
@roles_required(*VIEWERS)
def history():
    """One employer: each run's status, people enrolled and flags, its inspections, the tax flag."""
    key = request.args.get("key", "")[:300]
    runs = employer_history.history(current_user, key)
    if not runs:
        abort(404)
    latest = runs[-1][1]
    audit.record(current_user, "view_employer", "employer", key[:64])
    db.session.commit()
    profile = employer_history.profile(latest.county_code, key)
    tax_form = TaxFlagForm(key=key, tax_flag=bool(profile and profile.tax_flag),
                           tax_flag_date=(profile.tax_flag_date if profile and profile.tax_flag else clock.now().date()),
                           tax_flag_note=profile.tax_flag_note if profile else "")
    return render_template("employers/history.html", key=key, runs=runs, latest=latest, profile=profile,
                           inspections=employer_history.inspections_of(current_user, key), tax_form=tax_form,
                           action_form=EmployerActionForm(key=key), can_act=current_user.role in COUNTY_WORK)


@bp.route("/tax-flag", methods=["POST"])
@roles_required(*COUNTY_WORK)
def tax_flag():
    """Set or clear the tax bureau's concern on an employer (audited)."""
    form = TaxFlagForm()
    if not form.validate_on_submit():
        abort(400)
    row = _latest_row(form.key.data)
    with attempt(employer_history.EmployerRefused,
                 done=_("已保存税务关注标记。") if form.tax_flag.data else _("已取消税务关注标记。")):
        employer_history.set_tax_flag(row, form.tax_flag.data, form.tax_flag_date.data, form.tax_flag_note.data,
                                      current_user)
    return redirect(url_for("employers.history", key=form.key.data))


@bp.route("/annual-check", methods=["POST"])
@roles_required(*COUNTY_WORK)
def annual_check():
    """Record that the employer's annual check (年审) was done today."""
    form = EmployerActionForm()
    if not form.validate_on_submit():
        abort(400)
    employer_history.mark_annual_checked(_latest_row(form.key.data), clock.now().date(), current_user)
    db.session.commit()
    flash(_("已记录本年度年审。"), "success")
    if request.form.get("back") == "annual":
        return redirect(url_for("employers.annual"))
    return redirect(url_for("employers.history", key=form.key.data))


@bp.route("/inspect", methods=["POST"])
@roles_required(*COUNTY_WORK)
def inspect():
    """Open an inspection of one employer from its newest run."""
    form = EmployerActionForm()
    if not form.validate_on_submit():
        abort(400)
    row = _latest_row(form.key.data)
    reason = request.form.get("reason") or ("uninsured" if row.status == "uninsured" else "other")
    with attempt(inspections.InspectionRefused, done=_("已发起用工检查。")) as opened:
        inspection = inspections.open_for(row, reason, current_user)
    if not opened:
        return redirect(url_for("employers.history", key=form.key.data))
    return redirect(url_for("cases.case_page", case_id=inspection.case_id))


@bp.route("/runs/<int:run_id>/inspect", methods=["POST"])
@roles_required(*COUNTY_WORK)
def inspect_run(run_id):
    """Open inspections for a run's uninsured, newly registered or newly cancelled employers."""
    run = intake_runs.county_run(run_id, current_user, done=True)
    form = RunInspectForm()
    if not form.validate_on_submit():
        abort(400)
    opened, left = inspections.open_for_run(run, form.reason.data, current_user)
    db.session.commit()
    flash(_("已发起 %(n)s 件用工检查。", n=opened), "success")
    if left:
        flash(_("还有 %(n)s 家单位未发起，请再次点击“发起用工检查”。", n=left), "info")
    return redirect(url_for("employers.inspection_list"))


@bp.route("/annual")
@roles_required(*VIEWERS)
def annual():
    """The employers due for this year's annual check (年审) in the user's area."""
    year = clock.now().year
    run, due = employer_history.annual_due(current_user, year)
    return render_template("employers/annual.html", run=run, due=due, year=year,
                           action_form=EmployerActionForm(), can_act=current_user.role in COUNTY_WORK,
                           key_of=employer_history.key_of)


@bp.route("/annual.xlsx")
@roles_required(*VIEWERS)
def annual_export():
    """The annual check list as Excel (logged)."""
    year = clock.now().year
    run, due = employer_history.annual_due(current_user, year)
    audit.record(current_user, "export", "employer_annual", year)
    db.session.commit()
    rows = ((e.name, e.credit_code, label(e.source, "employer_source"), e.legal_rep, e.register_date, e.address,
             label(e.status, "employer_status"), e.insured_persons,
             label(bool(p and p.tax_flag), None), p.tax_flag_date if p and p.tax_flag else None)
            for e, p in due)
    return xlsx_response(f"annual-check-{year}.xlsx", _("年审名单"),
                         [_("单位名称"), _("统一社会信用代码"), _("来源"), _("法定代表人"), _("登记日期"), _("住所"),
                          _("结果"), _("参保人数"), _("税务关注"), _("关注日期")], rows, code_columns=(1,))
