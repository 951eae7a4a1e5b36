"""Administration: process diagrams (validated before deploy) and staff accounts."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..extensions import db
from ..models import DiagramVersion, ProcessInstance, User
from .. import engine
from ..engine.preflight import check_upload, explain
from ..services import audit
from ..infra import login_throttle
from ..services.admin import processes
from ..services.admin.process_editing import deploy_files
from .forms import DiagramUploadForm
from . import bp


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
        raw = upload.stream.read(limit + 1)
        if len(raw) > limit:
            return _diagrams_page(form, [_too_large(limit)]), 413
        # Files from other modelers: explained in Chinese before the engine sees them.
        problems = [str(p) for p in check_upload(upload.filename, raw)]
        try:
            if not problems:
                files, changed = engine.replace_file(files, upload.filename, raw.decode("utf-8-sig"))
                if not changed:
                    flash(_("上传的文件与当前版本相同，没有变化。"), "success")
                    return redirect(url_for("admin.diagrams"))
                _version, number = deploy_files(form.process_id.data, files, current_user, form.comment.data,
                                                upload.filename)
                db.session.commit()
                flash(_("已部署新版本：第 %(number)s 版，新案件将使用该版本。", number=number), "success")
                return redirect(url_for("admin.diagrams"))
        except engine.DiagramInvalid as err:
            db.session.rollback()
            problems = [str(explain(p)) for p in err.problems]
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
    return render_template("admin/diagrams.html", versions=versions, form=form, problems=problems, counts=counts,
                           numbers=processes.version_numbers(versions))


@bp.route("/diagrams/<int:version_id>/<path:filename>")
@admin_required
def diagram_file(version_id, filename):
    """Download one BPMN file of a version."""
    version = db.get_or_404(DiagramVersion, version_id)
    if filename not in version.files:
        abort(404)
    return version.files[filename], 200, {"Content-Type": "application/xml; charset=utf-8",
                                          "Content-Disposition": f"attachment; filename={filename}"}


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def unlock_user(user_id):
    """Lift the lock that failed log-ins put on an account."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    login_throttle.clear_account(user.username)
    audit.record(current_user, "account_unlocked", "user", user.id)
    db.session.commit()
    flash(_("已解除 %(name)s 的登录锁定。", name=user.username), "success")
    return redirect(url_for("admin.users"))
