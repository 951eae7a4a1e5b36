"""Summary pages: the townships' summaries and the county's evaluation, listed and printed to PDF."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..attempts import attempt
from ..documents.pdf import pdf_response, render_pdf
from ..extensions import db
from .. import areacodes
from ..models import Area, CampaignSummary
from ..services import audit, scoping
from ..services.campaign import summaries
from . import bp
from .forms import EmptyForm, EvaluationForm
from .spot_routes import quality_scope, draw_required

STYLES = ("print/summary.css",)


@bp.route("/summaries")
@login_required
def summaries_page():
    """Each township's summary (its status, PDF) and the county's evaluation."""
    county, township = quality_scope()
    evaluation = summaries.evaluation_of(county) if township is None else None
    can_write = current_user.role in ("county", "supervisor")
    return render_template("quality/summaries.html", rows=summaries.summaries_of(county, township),
                           evaluation=evaluation, can_write=can_write, empty_form=EmptyForm(),
                           form=EvaluationForm(obj=evaluation))


@bp.route("/summaries/open", methods=["POST"])
@draw_required
def open_summaries():
    """Open the summary task of every township that has none yet."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    opened = summaries.open_summaries(scoping.user_county(current_user), current_user)
    db.session.commit()
    flash(_("已向 %(n)s 个乡镇派发工作总结任务。", n=opened), "success")
    return redirect(url_for("quality.summaries_page"))


@bp.route("/evaluation", methods=["POST"])
@draw_required
def write_evaluation():
    """Save the county's evaluation; every township's figures are taken as of today."""
    form = EvaluationForm()
    values = {key: getattr(form, key).data for key in summaries.SECTIONS} if form.validate_on_submit() else {}
    with attempt(summaries.SummaryRefused, done=_("县级总结评估已保存。")) as saved:
        summaries.write_evaluation(scoping.user_county(current_user), values, current_user)
    return redirect(url_for("quality.summaries_page", _anchor="evaluation") if saved else
                    url_for("quality.summaries_page"))


def _summary_or_404(summary_id):
    summary = db.session.get(CampaignSummary, summary_id)
    county, township = quality_scope()
    if summary is None or summary.county_code != county or summary.figures is None:
        abort(404)
    if township is not None and summary.township_code != township:
        abort(404)
    return summary


@bp.route("/summaries/<int:summary_id>.pdf")
@login_required
def summary_pdf(summary_id):
    """A submitted township summary, or the county's evaluation, as PDF (Chinese fonts embedded)."""
    summary = _summary_or_404(summary_id)
    audit.record(current_user, "export", "campaign_summary", summary.id)
    db.session.commit()
    if summary.kind == "county":
        county = Area.query.filter_by(code=areacodes.county_area_code(summary.county_code)).one_or_none()
        data = render_pdf("documents/evaluation.html", title=_("全民参保登记工作总结评估"), summary=summary,
                          county=county, stylesheets=STYLES)
        return pdf_response(data, f"evaluation-{summary.county_code}.pdf")
    data = render_pdf("documents/summary.html", title=_("全民参保登记工作总结"), summary=summary,
                      figures=summary.figures, township=summaries.township_name(summary), stylesheets=STYLES)
    return pdf_response(data, f"summary-{summary.township_code}.pdf")
