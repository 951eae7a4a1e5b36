"""Administration: process diagrams (validated before deploy) and staff accounts."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..extensions import db
from ..models import DiagramVersion, ProcessInstance, User
from .. import engine
from .forms import DiagramUploadForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/diagrams", methods=["GET", "POST"])
@admin_required
def diagrams():
    """Deployed versions, and an upload that replaces one file of a process's bundle."""
    limit = current_app.config["DIAGRAM_MAX_BYTES"]
    # Refuse an oversized upload from its declared length, before the form (and file) is parsed.
    if request.method == "POST" and (request.content_length or 0) > limit + _FORM_OVERHEAD:
        return _diagrams_page(DiagramUploadForm(formdata=None), [_too_large(limit)]), 413
    form = DiagramUploadForm()
    form.process_id.choices = _process_choices()
    problems = []
    if form.validate_on_submit():
        current = engine.current_version(form.process_id.data)
        files = dict(current.files)
        upload = form.file.data
        content = upload.stream.read(limit + 1)
        if len(content) > limit:
            return _diagrams_page(form, [_too_large(limit)]), 413
        try:
            files[upload.filename] = content.decode("utf-8")
            version = engine.deploy_bundle(form.process_id.data, files, current_user, form.comment.data)
            db.session.commit()
            flash(_("已部署新版本 %(id)s，新案件将使用该版本。", id=version.id), "success")
            return redirect(url_for("admin.diagrams"))
        except UnicodeDecodeError:
            problems = [_("文件不是 UTF-8 编码的 BPMN XML。")]
        except engine.DiagramInvalid as err:
            db.session.rollback()
            problems = [str(p) for p in err.problems]
    return _diagrams_page(form, problems)


# Room for the other form fields and the multipart boundaries around the file.
_FORM_OVERHEAD = 64 * 1024


def _process_choices():
    return [(pid, pid) for (pid,) in db.session.query(DiagramVersion.process_id).distinct()
            .order_by(DiagramVersion.process_id)]


def _too_large(limit):
    return _("流程图文件过大：上限为 %(kb)s KB，未部署。", kb=limit // 1024)


def _diagrams_page(form, problems):
    versions = DiagramVersion.query.order_by(DiagramVersion.process_id, DiagramVersion.id.desc()).all()
    form.process_id.choices = _process_choices()
    counts = dict(db.session.query(ProcessInstance.diagram_version_id, db.func.count(ProcessInstance.id))
                  .group_by(ProcessInstance.diagram_version_id).all())
    return render_template("admin/diagrams.html", versions=versions, form=form, problems=problems, counts=counts)


@bp.route("/diagrams/<int:version_id>/<path:filename>")
@admin_required
def diagram_file(version_id, filename):
    """Download one BPMN file of a version."""
    version = db.get_or_404(DiagramVersion, version_id)
    if filename not in version.files:
        abort(404)
    return version.files[filename], 200, {"Content-Type": "application/xml; charset=utf-8",
                                          "Content-Disposition": f"attachment; filename={filename}"}


@bp.route("/users")
@admin_required
def users():
    """Staff accounts with role and area."""
    return render_template("admin/users.html", users=User.query.order_by(User.role, User.username).all())

from . import migration_routes  # noqa: E402,F401 - registers the migration pages on this blueprint
