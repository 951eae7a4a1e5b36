"""Routes for printed documents: thin, area-scoped, audited (services in ``webapp/documents``)."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attempts import attempt
from ..auth.decorators import roles_required
from ..documents import archive as archives
from ..documents import registration_form as forms
from ..documents.pdf import pdf_response
from ..extensions import db
from ..landing import RECORD_ROLES
from ..models import Area, CaseArchive
from ..services import scoping
from . import bp


def _full_ids():
    return request.args.get("full_ids") == "1"


@bp.route("/households/<int:household_id>/forms.pdf")
@roles_required(*RECORD_ROLES)
def household_forms(household_id):
    """The household's blank registration forms, pre-filled with what the registry holds."""
    household = scoping.get_household_or_404(household_id, current_user)
    data = forms.household_form_pdf(household, current_user, full_ids=_full_ids())
    db.session.commit()  # the audit line
    return pdf_response(data, f"registration-forms-{household.household_number}.pdf")


@bp.route("/cases/<int:case_id>/forms.pdf")
@roles_required(*RECORD_ROLES)
def case_forms(case_id):
    """The case's filled registration forms, after the county audit approved them."""
    case = scoping.get_case_or_404(case_id, current_user)
    if case.household is None:
        abort(404)
    try:
        data = forms.case_form_pdf(case, current_user, full_ids=_full_ids())
    except forms.NotAudited:
        flash(_("登记表在县级审核通过后才能打印已填写的版本；审核前可打印本户的空白登记表。"), "error")
        return redirect(url_for("cases.case_page", case_id=case.id))
    db.session.commit()
    return pdf_response(data, f"registration-forms-{case.household.household_number}-filled.pdf")


@bp.route("/cases/<int:case_id>/archive", methods=["POST"])
@roles_required(archives.PRODUCER_ROLE)
def produce_archive(case_id):
    """Produce (or re-produce) the case's archive; the list shows its number and hash."""
    case = scoping.get_case_or_404(case_id, current_user)
    with attempt(archives.ArchiveRefused) as produced:
        archive, same = archives.produce(case, current_user)
    if not produced:
        return redirect(url_for("cases.case_page", case_id=case.id))
    if same is None:
        flash(_("已生成档案 %(number)s。", number=archive.number), "success")
    elif same:
        flash(_("已重新生成档案 %(number)s：与存档文件完全一致。", number=archive.number), "success")
    else:
        flash(_("已重新生成档案 %(number)s：内容与上次不同（案件记录有变化），已保存新文件。",
                number=archive.number), "warning")
    return redirect(url_for("printing.archive_list", township=archive.township_code))


@bp.route("/archives")
@roles_required(*archives.READER_ROLES)
def archive_list():
    """Archives of the user's township (county staff: of the county, by township), newest first."""
    query = scoping.scoped(CaseArchive, current_user)
    township = request.args.get("township") or ""
    if township:
        query = query.filter(CaseArchive.township_code == township)
    page = request.args.get("page", 1, type=int)
    pagination = query.order_by(CaseArchive.id.desc()).paginate(
        page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    townships = []
    if current_user.role != "township":
        townships = (Area.query.filter(Area.level == "township",
                                       Area.code.startswith(scoping.user_county(current_user)))
                     .order_by(Area.code).all())
    return render_template("printing/archives.html", pagination=pagination, township=township,
                           townships=townships)


@bp.route("/archives/<int:archive_id>.pdf")
@roles_required(*archives.READER_ROLES)
def archive_file(archive_id):
    """The stored archive PDF (audited: it holds full ID numbers)."""
    archive = scoping.get_or_404(CaseArchive, archive_id, current_user)
    data = archives.archive_bytes(archive, current_user)
    db.session.commit()
    return pdf_response(data, f"archive-{archive.number}.pdf")


@bp.app_template_global()
def printing_panel(case):
    """What the case page's print panel offers: audited?, the archive, who may produce it."""
    audited = case.kind == "registration" and forms.county_audit_event(case) is not None
    return {"audited": audited, "archive": archives.archive_of(case) if audited else None,
            "can_produce": audited and current_user.role == archives.PRODUCER_ROLE,
            "can_read_archive": current_user.role in archives.READER_ROLES,
            "full_ids": forms.may_print_full_ids(current_user)}
