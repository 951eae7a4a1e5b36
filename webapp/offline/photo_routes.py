"""Photos of documents: upload from the phone (idempotent), and viewing (area-scoped, audited)."""
from flask import abort, current_app, flash, jsonify, make_response, redirect, request
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired

from .. import labels
from ..attempts import attempt
from ..extensions import db
from ..inbox.routes import visit_task_for_forms
from ..models import DocumentPhoto, InboxTask
from ..redirects import safe_next
from ..services import scoping
from ..services.casework import offline, photos, steps
from . import bp
from .routes import assistant_api


@bp.route("/offline/api/photo", methods=["POST"])
@assistant_api
def upload_photo():
    """One photo for one person of a visit's case (multipart: key, task_id, id_number, kind, file).

    Kept even when the task moved on meanwhile: a photo of a document is evidence for the case."""
    try:
        key = offline.check_key(request.form.get("key"))
    except offline.SyncRefused:
        return jsonify(status="refused", message="bad idempotency key"), 400
    done = offline.receipt(key)
    if done is not None:
        return jsonify(done)
    row = db.session.get(InboxTask, request.form.get("task_id", 0, type=int))
    if row is None or not scoping.in_scope(row, current_user) or not steps.has_form(row, "visit"):
        return jsonify(status="refused", message="not found"), 404
    upload = request.files.get("file")
    if upload is None:
        return jsonify(status="refused", message="no file"), 400
    data = upload.stream.read(photos_limit() + 1)
    try:
        photo = photos.save_photo(row.case, current_user, request.form.get("id_number", ""),
                                  request.form.get("kind", ""), data)
        result = {"status": "done", "photo_id": photo.id, "size": photo.size}
    except photos.PhotoRefused as err:
        db.session.rollback()
        # Refusals are not remembered: the same key may come back with a retaken photo.
        return jsonify(status="refused", message=str(err)), 422
    offline.remember(key, current_user, "photo", result)
    earlier = offline.commit_once(key)
    if earlier is not None:
        photos.discard(photo)
        return jsonify(earlier)
    return jsonify(result)


def photos_limit():
    """The configured size limit (read before the whole body is)."""
    return current_app.config["PHOTO_MAX_BYTES"]


@bp.route("/photos/<int:photo_id>")
@login_required
def photo(photo_id):
    """A photo's bytes for a user whose area covers its case; each viewing is audited."""
    row = scoping.get_or_404(DocumentPhoto, photo_id, current_user)
    try:
        data = photos.read_photo(row, current_user)
    except KeyError:
        abort(404)
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = row.content_type
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response


class PhotoForm(FlaskForm):
    """One photo for one person on the online registration form page."""

    id_number = HiddenField(validators=[DataRequired()])
    kind = SelectField(_l("证件"), choices=[(k, v) for k, v in labels.GROUPS["photo_kind"].items()])
    file = FileField(_l("照片"), validators=[FileRequired()])


@bp.route("/inbox/tasks/<int:task_id>/photos", methods=["POST"])
@login_required
def upload_photo_online(task_id):
    """The online form page's photo upload: the same checks and store as the phone's."""
    row = visit_task_for_forms(task_id)
    form = PhotoForm()
    back = safe_next(request.form.get("next"), "inbox.task", task_id=row.id)
    if not form.validate_on_submit():
        flash(_("请选择要上传的照片。"), "error")
        return redirect(back)
    with attempt(photos.PhotoRefused, done=_("照片已上传。")):
        photos.save_photo(row.case, current_user, form.id_number.data, form.kind.data,
                          form.file.data.stream.read(photos_limit() + 1))
    return redirect(back)


# Template globals for the registration form page, not a context processor (called on every page).
@bp.app_template_global()
def person_photos(case, id_number):
    """The document photos of ``id_number`` in ``case``, oldest first."""
    if case is None or not id_number:
        return []
    return DocumentPhoto.query.filter_by(case_id=case.id, id_number=id_number).order_by(DocumentPhoto.id).all()


bp.add_app_template_global(PhotoForm, "photo_form")
