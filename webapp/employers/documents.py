"""Inspection documents (upload, download) and the printable rectification notice (PDF)."""
import io

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..attempts import attempt
from ..auth.decorators import roles_required
from ..documents.pdf import pdf_response, render_pdf
from ..extensions import db
from ..models import EmployerInspection, InspectionDocument
from ..services import audit, scoping
from ..services.casework import inspections
from . import bp
from .forms import DocumentForm
from .routes import COUNTY_WORK, VIEWERS


def _back(inspection):
    task_id = request.form.get("task_id", type=int)
    return redirect(url_for("inbox.task", task_id=task_id) if task_id else
                    url_for("cases.case_page", case_id=inspection.case_id))


@bp.route("/inspections/<int:inspection_id>/documents", methods=["POST"])
@roles_required(*COUNTY_WORK)
def upload_document(inspection_id):
    """Attach a document (PDF, JPEG or PNG, size-limited) to an open inspection."""
    inspection = scoping.get_or_404(EmployerInspection, inspection_id, current_user)
    form = DocumentForm()
    if not form.validate_on_submit():
        flash(_("请选择要上传的文件。"), "error")
        return _back(inspection)
    if inspection.status != "open":
        flash(_("该检查已结案，不能再上传文书。"), "error")
        return _back(inspection)
    upload = form.file.data
    limit = current_app.config["INSPECTION_DOCUMENT_MAX_BYTES"]
    with attempt(inspections.InspectionRefused, done=_("文书已上传。")):
        # One byte past the limit is enough to refuse it: a large file is never read whole.
        inspections.attach(inspection, upload.filename, upload.read(limit + 1), current_user)
    return _back(inspection)


@bp.route("/documents/<int:document_id>")
@roles_required(*VIEWERS)
def document(document_id):
    """One attached document (logged)."""
    found = scoping.get_or_404(InspectionDocument, document_id, current_user)
    audit.record(current_user, "view_inspection_document", "employer_inspection", found.inspection_id)
    db.session.commit()
    response = send_file(io.BytesIO(inspections.document_bytes(found)), mimetype=found.content_type,
                         as_attachment=found.content_type != "application/pdf", download_name=found.file_name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/inspections/<int:inspection_id>/notice.pdf")
@roles_required(*VIEWERS)
def notice_pdf(inspection_id):
    """The rectification notice (社会保险登记整改通知书) as served on the employer."""
    inspection = scoping.get_or_404(EmployerInspection, inspection_id, current_user)
    if inspection.notice_date is None:
        abort(404)
    audit.record(current_user, "print_notice", "employer_inspection", inspection.id)
    db.session.commit()
    data = render_pdf("documents/inspection_notice.html", title=_("社会保险登记整改通知书"), inspection=inspection)
    return pdf_response(data, f"notice-{inspection.notice_number}.pdf")
