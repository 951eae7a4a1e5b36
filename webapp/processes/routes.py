"""Process pages for administrators (supervisors may view): diagram, versions, diff, heatmap,
and the case diagram data. Thin: validate, call services.admin.processes, commit, redirect."""
from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth.decorators import admin_required, roles_required
from ..extensions import db
from ..models import ProcessInstance
from ..services.admin import processes
from ..services import scoping
from . import bp
from .forms import RollbackForm
from .labels import CHANGE_KINDS, DIFF_ASPECTS, deploy_comment, element_type, process_label

viewer_required = roles_required("admin", "supervisor")
_XML = {"Content-Type": "application/xml; charset=utf-8"}


def _versions_or_404(process_id):
    versions = processes.numbered_versions(process_id)
    if not versions:
        abort(404)
    return versions


def _number_arg(name, default):
    value = request.args.get(name, type=int)
    return value if value is not None else default


@bp.route("/")
@viewer_required
def index():
    """Every deployed process with its current version."""
    rows = []
    for process_id in processes.process_ids():
        versions = processes.numbered_versions(process_id)
        current = next((v for v in versions if v.version.is_current), versions[-1])
        rows.append({"process_id": process_id, "current": current, "count": len(versions),
                     "running": sum(v.running for v in versions)})
    return render_template("processes/index.html", rows=rows, new_drafts=processes.new_process_drafts())


@bp.route("/<process_id>")
@viewer_required
def process_page(process_id):
    """The current diagram, the numbered versions, rollback buttons and the diff chooser."""
    versions = _versions_or_404(process_id)
    current = next((v for v in versions if v.version.is_current), versions[-1])
    return render_template("processes/process.html", process_id=process_id, versions=versions, current=current,
                           form=RollbackForm())


@bp.route("/<process_id>/versions/<int:number>/files/<path:filename>")
@viewer_required
def version_file(process_id, number, filename):
    """One BPMN file of a numbered version (as a download with ?download=1)."""
    chosen = processes.version_by_number(process_id, number)
    if chosen is None or filename not in chosen.version.files:
        abort(404)
    headers = dict(_XML)
    if request.args.get("download"):
        # RFC 5987: file names from other modelers may be Chinese; headers must stay Latin-1.
        name = quote(f"v{number}-{filename}")
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return chosen.version.files[filename], 200, headers


@bp.route("/<process_id>/versions/<int:number>/rollback", methods=["POST"])
@admin_required
def rollback(process_id, number):
    """Make an earlier version current for new cases; running cases keep theirs."""
    form = RollbackForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        processes.rollback(process_id, number, current_user)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(_("版本 %(number)s 已设为当前版本：新案件将使用它，办理中的案件仍按原版本执行。", number=number), "success")
    return redirect(url_for("processes.process_page", process_id=process_id))


@bp.route("/<process_id>/diff")
@viewer_required
def diff(process_id):
    """Added, removed and changed elements between two versions: on the diagrams and as a list."""
    versions = _versions_or_404(process_id)
    old_number = _number_arg("old", max(1, len(versions) - 1))
    new_number = _number_arg("new", len(versions))
    result = processes.diff(process_id, old_number, new_number)
    if result is None:
        abort(404)
    old, new, changes = result
    old_markers, new_markers = processes.diff_markers(changes)
    return render_template("processes/diff.html", process_id=process_id, versions=versions, old=old, new=new,
                           changes=changes, old_markers=old_markers, new_markers=new_markers, kinds=CHANGE_KINDS, aspects=DIFF_ASPECTS, element_type=element_type)


@bp.route("/<process_id>/heatmap")
@viewer_required
def heatmap(process_id):
    """Open and overdue tasks on each user task of one version, in the viewer's area."""
    versions = _versions_or_404(process_id)
    current = next((v for v in versions if v.version.is_current), versions[-1])
    chosen = processes.version_by_number(process_id, _number_arg("version", current.number))
    if chosen is None:
        abort(404)
    townships = processes.townships_of(current_user)
    township = request.args.get("township") or None
    if township and township not in {code for code, _name in townships}:
        township = None
    counts = processes.heatmap(chosen.version.id, current_user, township)
    return render_template("processes/heatmap.html", process_id=process_id, versions=versions, chosen=chosen,
                           counts=counts, placed=processes.heatmap_by_file(chosen.version, counts),
                           tasks=processes.user_tasks(chosen.version), townships=townships, township=township)


@bp.route("/cases/<int:case_id>/instances/<int:instance_id>/<path:filename>")
@login_required
def case_diagram_file(case_id, instance_id, filename):
    """A diagram file of one of the case's instances, for the case page (area-scoped)."""
    case = scoping.get_case_or_404(case_id, current_user)
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.case_id != case.id or filename not in instance.diagram_version.files:
        abort(404)
    return instance.diagram_version.files[filename], 200, _XML


@bp.app_template_filter("process_label")
def _process_label_filter(process_id):
    return process_label(process_id)


@bp.app_template_filter("deploy_comment")
def _deploy_comment_filter(comment):
    return deploy_comment(comment)
