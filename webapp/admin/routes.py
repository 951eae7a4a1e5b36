"""Administration: process diagrams (validated before deploy) and staff accounts."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..extensions import db
from ..models import DiagramVersion, ProcessInstance, User
from .. import engine
from ..engine.preflight import check_upload, explain
from ..services import audit
from ..services.processes import number_of
from .forms import DiagramUploadForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/diagrams", methods=["GET", "POST"])
@admin_required
def diagrams():
    """Deployed versions, and an upload that replaces one file of a process's bundle."""
    form = DiagramUploadForm()
    versions = DiagramVersion.query.order_by(DiagramVersion.process_id, DiagramVersion.id.desc()).all()
    form.process_id.choices = sorted({(v.process_id, v.process_id) for v in versions})
    problems = []
    if form.validate_on_submit():
        current = engine.current_version(form.process_id.data)
        files = dict(current.files)
        upload = form.file.data
        raw = upload.read()
        # Files from other modelers: explained in Chinese before the engine sees them.
        problems = [str(p) for p in check_upload(upload.filename, raw)]
        try:
            if not problems:
                files[upload.filename] = raw.decode("utf-8-sig")
                version = engine.deploy_bundle(form.process_id.data, files, current_user, form.comment.data)
                number = number_of(version)
                audit.record(current_user, "diagram_deploy", "process", form.process_id.data,
                             detail=f"version {number}: {upload.filename}")
                db.session.commit()
                flash(_("已部署新版本：第 %(number)s 版，新案件将使用该版本。", number=number), "success")
                return redirect(url_for("admin.diagrams"))
        except engine.DiagramInvalid as err:
            db.session.rollback()
            problems = [str(explain(p)) for p in err.problems]
    counts = dict(db.session.query(ProcessInstance.diagram_version_id, db.func.count(ProcessInstance.id))
                  .group_by(ProcessInstance.diagram_version_id).all())
    numbers, seen = {}, {}
    for version in sorted(versions, key=lambda v: v.id):  # numbered per process, in deploy order
        seen[version.process_id] = numbers[version.id] = seen.get(version.process_id, 0) + 1
    return render_template("admin/diagrams.html", versions=versions, form=form, problems=problems, counts=counts,
                           numbers=numbers)


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
