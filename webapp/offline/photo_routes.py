"""Photos of documents: upload from the phone (idempotent), and viewing (area-scoped, audited)."""
from flask import abort, jsonify, make_response, request
from flask_login import current_user, login_required

from ..extensions import db
from ..models import DocumentPhoto, InboxTask
from ..services import offline, photos, scoping
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
    if row is None or not scoping.in_scope(row, current_user) or row.task_name != "visit_household":
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
    from flask import current_app
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
