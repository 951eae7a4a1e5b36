"""Administration: process diagrams (validated before deploy) and staff accounts."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.decorators import admin_required
from ..extensions import db
from ..models import DiagramVersion, ProcessInstance, User
from ..services import audit, login_throttle
from .. import engine
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
        try:
            files[upload.filename] = upload.read().decode("utf-8")
            version = engine.deploy_bundle(form.process_id.data, files, current_user, form.comment.data)
            db.session.commit()
            flash(_("已部署新版本 %(id)s，新案件将使用该版本。", id=version.id), "success")
            return redirect(url_for("admin.diagrams"))
        except UnicodeDecodeError:
            problems = [_("文件不是 UTF-8 编码的 BPMN XML。")]
        except engine.DiagramInvalid as err:
            db.session.rollback()
            problems = [str(p) for p in err.problems]
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
    users = User.query.order_by(User.role, User.username).all()
    return render_template("admin/users.html", users=users,
                           locked=login_throttle.locked_accounts(u.username for u in users))


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
