"""Case pages: a scoped list and the case page with its timeline."""
from flask import current_app, redirect, render_template, request
from flask_babel import gettext as _, pgettext
from flask_login import current_user, login_required

from ..extensions import db
from ..form_schema import current_language
from ..formatting import task_title
from ..labels import label
from ..landing import RECORD_ROLES, landing_url
from ..models import Case, CaseEvent, RegistrationForm
from ..exports import xlsx_response
from ..services import audit, scoping
from ..services.casework import cases, changes, data_forms, incidents, inspections, offline, photos
from ..services.admin import processes
from . import bp


def _filtered_cases():
    query = scoping.scoped(Case, current_user)
    status = request.args.get("status")
    if status:
        query = query.filter(Case.status == status)
    kind = request.args.get("kind")
    if kind:
        query = query.filter(Case.kind == kind)
    text = (request.args.get("q") or "").strip()
    if text:
        query = query.filter(Case.title.contains(text))
    return query, status, kind, text


@bp.route("/")
@login_required
def case_list():
    """Cases in the user's area, newest first, filterable by status and kind."""
    if current_user.role not in RECORD_ROLES:
        return redirect(landing_url(current_user))  # data providers and the administrator have no cases
    query, status, kind, text = _filtered_cases()
    page = request.args.get("page", 1, type=int)
    pagination = query.order_by(Case.id.desc()).paginate(page=page, per_page=current_app.config["PAGE_SIZE"],
                                                         error_out=False)
    return render_template("cases/list.html", pagination=pagination, status=status, kind=kind, q=text)


@bp.route("/export.xlsx")
@login_required
def case_export():
    """The filtered case list as Excel (area-scoped, logged)."""
    query, status, kind, text = _filtered_cases()
    audit.record(current_user, "export", "case_list", detail=f"status={status} kind={kind} q={text}")
    db.session.commit()

    rows = ((c.id, c.title, label(c.kind, "case_kind"), task_title(c.current_step), c.township_code,
             c.village_code, label(c.status, "case_status"), c.created_at)
            for c in query.order_by(Case.id).yield_per(1000))
    return xlsx_response("cases.xlsx", _("案件"), [_("编号"), pgettext("one case", "案件"), _("类型"), _("当前环节"), _("乡镇代码"),
                                                   _("村(社区)代码"), _("状态"), _("立案时间")], rows)


@bp.route("/<int:case_id>")
@login_required
def case_page(case_id):
    """Household, persons, current step, and every step's who/when/decision/comment."""
    case = scoping.get_case_or_404(case_id, current_user)
    events = (CaseEvent.query.filter_by(case_id=case.id).options(db.joinedload(CaseEvent.actor))
              .order_by(CaseEvent.at, CaseEvent.id).all())
    forms = RegistrationForm.query.filter_by(case_id=case.id).order_by(RegistrationForm.id).all()
    audit.record(current_user, "view_case", "case", case.id)
    db.session.commit()
    incident = incidents.open_incident_of(case)
    change = changes.request_of_case(case) if case.kind == "dynamic_change" else None
    inspection = inspections.inspection_of_case(case) if case.kind == "employer_inspection" else None
    return render_template("cases/detail.html", case=case, events=events, forms=forms, change=change,
                           inspection=inspection,
                           documents=inspections.documents_of(inspection) if inspection is not None else None,
                           conflicts=changes.conflicts(change) if change is not None else None,
                           open_tasks=cases.open_tasks_of(case), incident=incident,
                           incident_message=incidents.message(incident) if incident else None,
                           can_retry=incidents.can_manage(current_user), diagrams=processes.case_diagrams(case),
                           offline_entries=offline.entries_of(case), photos=photos.photos_of(case),
                           form_values=data_forms.timeline_values(case.id, current_language()))
