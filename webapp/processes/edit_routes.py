"""The modeler page of a process and its JSON endpoints (administrators only).

Thin: the page gives the modeler its file and the product's vocabulary (roles, form kinds,
operators); the endpoints save a draft, validate, deploy and check code through
services.process_editing, and commit. JSON posts carry the CSRF token in ``X-CSRFToken``.
"""
from flask import abort, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import engine, form_kinds
from ..auth.decorators import admin_required
from ..engine.diagrams import LANE_ROLES
from ..engine.rules import SERVICE_OPERATORS
from ..extensions import db
from ..formatting import ROLE_LABELS
from ..services.admin import process_editing as editing
from ..services.admin import form_definitions, processes
from . import bp
from .labels import OPERATOR_LABELS

MAX_XML_CHARS = 1_000_000  # as DIAGRAM_MAX_BYTES: one edited file


def _files_or_404(process_id):
    if not processes.numbered_versions(process_id):
        abort(404)
    return editing.editable_files(process_id)


def _main_file(process_id, files):
    """The file defining ``process_id`` (the one the modeler opens first)."""
    from ..bpmn_diff import process_files

    return process_files(files).get(process_id) or sorted(files)[0]


def _posted(process_id):
    """(file name, xml) of a JSON post, refused when missing, unknown or too large."""
    payload = request.get_json(silent=True) or {}
    name, xml = payload.get("file"), payload.get("xml")
    files, _draft = _files_or_404(process_id)
    if not isinstance(name, str) or name not in files or not isinstance(xml, str) or not xml.strip():
        abort(400)
    if len(xml) > MAX_XML_CHARS:
        abort(413)
    return name, xml, payload


@bp.route("/<process_id>/edit")
@admin_required
def edit(process_id):
    """The bpmn-js modeler with the product's own properties panel."""
    files, draft = _files_or_404(process_id)
    name = request.args.get("file") or _main_file(process_id, files)
    if name not in files:
        abort(404)
    vocabulary = {
        "roles": [[code, str(ROLE_LABELS.get(code, code))] for code in LANE_ROLES],
        "forms": form_kinds.choices(),
        # Forms defined as data that a "data_form" step may name (published ones only).
        "definitions": [[code, title] for code, title in form_definitions.published_choices()],
        "form_builder": url_for("processes.forms"),
        "operators": [[code, str(OPERATOR_LABELS.get(code, code))] for code in SERVICE_OPERATORS],
        "urls": {"xml": url_for("processes.edit_file", process_id=process_id, name=name),
                 "draft": url_for("processes.edit_draft", process_id=process_id),
                 "validate": url_for("processes.edit_validate", process_id=process_id),
                 "deploy": url_for("processes.edit_deploy", process_id=process_id),
                 "code": url_for("processes.edit_check_code")},
    }
    return render_template("processes/edit.html", process_id=process_id, files=sorted(files), name=name,
                           draft=draft, vocabulary=vocabulary)


@bp.route("/<process_id>/edit/files/<path:name>")
@admin_required
def edit_file(process_id, name):
    """The file the modeler edits: the draft's when there is a draft, else the current version's."""
    files, _draft = _files_or_404(process_id)
    if name not in files:
        abort(404)
    return files[name], 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/<process_id>/edit/draft", methods=["POST"])
@admin_required
def edit_draft(process_id):
    """Save the edited file as the process's draft (nothing running is affected)."""
    name, xml, _payload = _posted(process_id)
    editing.save_draft(process_id, name, xml, current_user)
    db.session.commit()
    return jsonify(ok=True, message=_("草稿已保存：尚未部署，办理中的案件和新案件都不受影响。"))


@bp.route("/<process_id>/edit/validate", methods=["POST"])
@admin_required
def edit_validate(process_id):
    """Every problem of the edited bundle, each with its element id and name."""
    name, xml, _payload = _posted(process_id)
    problems = editing.validate(process_id, editing.with_file(process_id, name, xml))
    return jsonify(ok=not problems, problems=problems,
                   message=_("校验通过，可以部署。") if not problems else
                   _("发现 %(n)s 个问题，请逐个修改后再部署。", n=len(problems)))


@bp.route("/<process_id>/edit/deploy", methods=["POST"])
@admin_required
def edit_deploy(process_id):
    """Validate again on the server and deploy; refused with the problems when not valid."""
    name, xml, payload = _posted(process_id)
    comment = str(payload.get("comment") or "")[:200]
    try:
        _version, number = editing.deploy_edit(process_id, name, xml, current_user, comment)
    except editing.EditRefused as err:
        db.session.rollback()
        return jsonify(ok=False, problems=err.problems,
                       message=_("流程图有问题，未部署：请先修改标出的元素。")), 422
    except engine.DiagramInvalid as err:  # a race with another deploy: explained like validation
        db.session.rollback()
        return jsonify(ok=False, problems=[{"file": p.file, "element": p.element, "name": "", "message": p.message}
                                           for p in err.problems], message=_("未部署。")), 422
    db.session.commit()
    return jsonify(ok=True, number=number, url=url_for("processes.process_page", process_id=process_id),
                   message=_("已部署新版本：第 %(number)s 版，新案件将使用该版本。", number=number))


@bp.route("/edit/check-code", methods=["POST"])
@admin_required
def edit_check_code():
    """The restricted engine's verdict on a condition or script, as the administrator types."""
    payload = request.get_json(silent=True) or {}
    source = payload.get("source")
    if not isinstance(source, str) or len(source) > 20_000:
        abort(400)
    messages = editing.check_code(source, payload.get("mode"))
    return jsonify(ok=not messages, messages=messages)
