"""Spot-check pages: drawing a sample, the error rates (page and Excel), recording a sampled form's result."""
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import engine
from ..attempts import attempt
from ..exports import xlsx_response
from ..extensions import db
from ..models import COUNTY_ROLES, SpotCheckItem
from ..services import audit, scoping
from ..services.campaign import dashboard, spot_checks
from ..services.casework import tasks
from ..services.casework.tasks import TaskRefused
from . import bp
from .forms import DrawForm

DRAW_ROLES = ("county", "supervisor")


def quality_scope():
    """(county code, township code or None) the user reads: county roles the county, townships their own."""
    if current_user.role not in dashboard.DASHBOARD_ROLES:
        abort(403)
    area = current_user.area
    return area.county_code, (None if current_user.role in COUNTY_ROLES else area.township_code)


def draw_required(view):
    """Only county staff and leadership draw samples."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in DRAW_ROLES:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


@bp.route("/spot-checks")
@login_required
def spot_checks_page():
    """The draws (with their seeds), the rule, and the error rates by township and by visitor."""
    county, township = quality_scope()
    return render_template("quality/spot_checks.html", form=DrawForm(), can_draw=current_user.role in DRAW_ROLES,
                           draws=spot_checks.draws_of(county) if township is None else [],
                           townships=spot_checks.named_rates(county, "township", township),
                           visitors=spot_checks.named_rates(county, "visitor", township))


@bp.route("/spot-checks/draw", methods=["POST"])
@draw_required
def draw_sample():
    """Draw a sample of the audited forms and open the townships' spot-check tasks."""
    form = DrawForm()
    if not form.validate_on_submit():
        flash(_("请检查抽查比例和随机种子（只能用字母、数字）。"), "error")
        return redirect(url_for("quality.spot_checks_page"))
    with attempt(spot_checks.SpotCheckRefused) as drawn:
        record = spot_checks.draw(scoping.user_county(current_user), form.share_percent.data, form.verifier.data,
                                  current_user, seed=form.seed.data)
    if drawn:
        flash(_("已抽取 %(n)s 份登记表（随机种子 %(seed)s），核实任务已派发。", n=record.sample_size, seed=record.seed),
              "success")
    return redirect(url_for("quality.spot_checks_page"))


def _rate_rows(rows):
    return [[r["name"], r["checked"], r["wrong_field"], r["fabricated"], "" if r["rate"] is None else r["rate"]]
            for r in rows]


@bp.route("/spot-checks/error-rates.xlsx")
@login_required
def error_rates_xlsx():
    """The error rates by township, then by visitor, as Excel."""
    county, township = quality_scope()
    headers = [_("类别"), _("名称"), _("已核实"), _("信息有误"), _("虚假入户"), _("差错率(%)")]
    rows = [[_("乡镇")] + r for r in _rate_rows(spot_checks.named_rates(county, "township", township))]
    rows += [[_("入户人员")] + r for r in _rate_rows(spot_checks.named_rates(county, "visitor", township))]
    audit.record(current_user, "export", "spot_check_rates", county)
    db.session.commit()
    return xlsx_response("spot-check-error-rates.xlsx", _("抽查差错率"), headers, rows)


@bp.route("/spot-checks/items/<int:item_id>", methods=["POST"])
@login_required
def record_spot_result(item_id):
    """Record one sampled form's result from its spot-check task page."""
    row = scoping.get_task_or_404(request.form.get("task_id", 0, type=int), current_user)
    item = db.session.get(SpotCheckItem, item_id)
    if item is None or item.case_id != row.case_id:
        abort(404)
    page = url_for("inbox.task", task_id=row.id, _anchor=f"spot-item-{item.id}")
    with attempt(TaskRefused, engine.TaskNotAvailable, spot_checks.SpotCheckRefused, done=_("已保存核实结果。")):
        tasks.check_can_work(row, current_user)
        spot_checks.record_result(item, request.form.get("result", ""), request.form.getlist("wrong_fields"),
                                  request.form.get("note", ""), current_user)
        audit.record(current_user, "spot_check_result", "registration_form", item.form_id)
    return redirect(page)
