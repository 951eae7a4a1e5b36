"""Bulletin pages: the list, producing one on demand, one bulletin as page, Excel and PDF; the leaders list."""
from datetime import timedelta
from functools import wraps

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.decorators import roles_required
from ..documents import bulletin_files
from ..documents.pdf import pdf_response
from ..extensions import db
from ..jobs import casework as casework_jobs
from ..models import Bulletin, LeadingGroupMember
from ..queues import enqueue_once
from ..services import audit, scoping
from ..services.campaign import bulletins, dashboard, leading_group, progress
from . import bp
from .forms import BulletinForm, EmptyForm, LeaderForm

PRODUCER_ROLES = ("county", "supervisor", "admin")


def producer_required(view):
    """Only county staff and leadership produce bulletins and keep the leaders list."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role not in PRODUCER_ROLES:
            abort(403)
        return view(*args, **kwargs)
    return wrapped


def _bulletin_or_404(bulletin_id):
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None or bulletin.county_code != scoping.user_county(current_user):
        abort(404)
    return bulletin


@bp.route("/bulletins", endpoint="bulletins")
@roles_required(*dashboard.DASHBOARD_ROLES)
def bulletins_list():
    """Every bulletin of the user's county, newest first, and the button to produce one."""
    county = scoping.user_county(current_user)
    rows = Bulletin.query.filter_by(county_code=county).order_by(Bulletin.number.desc()).all()
    form = BulletinForm(as_of=progress.local_day() - timedelta(days=1))
    return render_template("dashboard/bulletins.html", rows=rows, form=form,
                           can_produce=current_user.role in PRODUCER_ROLES)



@bp.route("/bulletins/produce", methods=["POST"])
@producer_required
def produce_bulletin():
    """Produce a numbered bulletin as of the date chosen (figures from the daily aggregates), in the
    bulletin job (its PDF and Excel take seconds to render); the list shows it when it is stored."""
    form = BulletinForm()
    if not form.validate_on_submit() or form.as_of.data > progress.local_day():
        flash(_("请选择不晚于今天的截至日期。"), "error")
        return redirect(url_for("dashboard.bulletins"))
    county, as_of = scoping.user_county(current_user), form.as_of.data.isoformat()
    # One job per county and date while it waits or runs: a double click produces one bulletin.
    enqueue_once("default", casework_jobs.produce_bulletins, county, as_of, current_user.id,
                 job_id=f"bulletin-{county}-{as_of}")
    flash(_("截至 %(date)s 的通报正在生成，完成后列在本页并通知各乡镇和县领导。", date=as_of), "success")
    return redirect(url_for("dashboard.bulletins"))


@bp.route("/bulletins/<int:bulletin_id>")
@roles_required(*dashboard.DASHBOARD_ROLES)
def bulletin_page(bulletin_id):
    """One bulletin: ranking table, commentary, downloads."""
    bulletin = _bulletin_or_404(bulletin_id)
    return render_template("dashboard/bulletin.html", bulletin=bulletin, headers=_table(bulletin)[0],
                           expansion=bulletin_files.expansion_table(bulletin))


def _table(bulletin):
    return bulletin_files.table(bulletin)


def _stored(bulletin, kind, filename):
    """The document as produced (a bulletin made before documents were stored is rendered now)."""
    data = bulletin_files.load(bulletin, kind)
    if data is None:
        pdf, xlsx = bulletin_files.render(bulletin)
        data = pdf if kind == "pdf" else xlsx
    audit.record(current_user, "export", "bulletin", bulletin.id)
    db.session.commit()
    if kind == "pdf":
        return pdf_response(data, filename)
    response = send_file(io.BytesIO(data), as_attachment=True, download_name=filename,
                         mimetype=bulletin_files.KINDS["xlsx"][1])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/bulletins/<int:bulletin_id>.xlsx")
@roles_required(*dashboard.DASHBOARD_ROLES)
def bulletin_xlsx(bulletin_id):
    """The bulletin's ranking as Excel, the file stored when it was produced."""
    bulletin = _bulletin_or_404(bulletin_id)
    return _stored(bulletin, "xlsx", f"bulletin-{bulletin.number}.xlsx")


@bp.route("/bulletins/<int:bulletin_id>.pdf")
@roles_required(*dashboard.DASHBOARD_ROLES)
def bulletin_pdf(bulletin_id):
    """The bulletin as a printable PDF (Chinese fonts embedded), the file stored when it was produced."""
    bulletin = _bulletin_or_404(bulletin_id)
    return _stored(bulletin, "pdf", f"bulletin-{bulletin.number}.pdf")


@bp.route("/leaders", methods=["GET", "POST"])
@producer_required
def leaders():
    """The leading-group members per township, named in the bulletins."""
    county = scoping.user_county(current_user)
    form = LeaderForm()
    townships = bulletins.townships_of(county)
    form.township_code.choices = [(t.code, t.name) for t in townships]
    if form.validate_on_submit():
        leading_group.add_member(form.township_code.data, form.name.data, form.post.data)
        db.session.commit()
        return redirect(url_for("dashboard.leaders"))
    names = {t.code: t.name for t in townships}
    return render_template("dashboard/leaders.html", form=form, members=leading_group.members_of_county(county),
                           names=names, empty_form=EmptyForm())


@bp.route("/leaders/<int:member_id>/delete", methods=["POST"])
@producer_required
def delete_leader(member_id):
    """Take one member off the list."""
    member = db.session.get(LeadingGroupMember, member_id)
    if member is None or not member.township_code.startswith(scoping.user_county(current_user)) or not EmptyForm().validate_on_submit():
        abort(404)
    db.session.delete(member)
    db.session.commit()
    return redirect(url_for("dashboard.leaders"))


@bp.route("/leaders/annex", methods=["POST"])
@producer_required
def load_annex():
    """Fill townships nobody is listed for with their head from the notice's annex."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    added = leading_group.load_annex(scoping.user_county(current_user))
    db.session.commit()
    flash(_("已从实施方案附件补入 %(n)s 名乡镇负责人。", n=added), "success")
    return redirect(url_for("dashboard.leaders"))
