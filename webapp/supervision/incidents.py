"""Incidents: cases stopped by an engine failure, listed for administrators and supervisors and
retried after a fix (DESIGN invariant 13)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import roles_required
from ..extensions import db
from ..models import Incident
from ..services.casework import incidents
from ..services import scoping
from . import bp


incident_roles_required = roles_required(*incidents.INCIDENT_ROLES)


@bp.route("/incidents")
@incident_roles_required
def incident_list():
    """Open (or resolved) incidents in the user's area, with their errors."""
    status = request.args.get("status", "open")
    page = request.args.get("page", 1, type=int)
    per_page = current_app.config["PAGE_SIZE"]
    rows, total = incidents.list_incidents(current_user, status, page, per_page)
    return render_template("supervision/incidents.html", rows=rows, total=total, page=page, per_page=per_page,
                           status=status, message=incidents.message)


@bp.route("/incidents/<int:incident_id>/retry", methods=["POST"])
@incident_roles_required
def incident_retry(incident_id):
    """Re-run the failed step; say whether the case went on or failed again."""
    incident = scoping.get_or_404(Incident, incident_id, current_user)
    case_id = incident.case_id
    if incident.status != "open":
        flash(_("该异常已处理。"), "success")
    elif incidents.retry(incident, current_user):
        db.session.commit()
        flash(_("已重试，案件已继续办理。"), "success")
    else:
        db.session.commit()
        db.session.refresh(incident)
        flash(_("重试仍然失败：%(error)s", error=incidents.message(incident)), "error")
    if request.form.get("back") == "case":
        return redirect(url_for("cases.case_page", case_id=case_id))
    return redirect(url_for("supervision.incident_list"))
