"""Offline visits: idempotency receipts, entries kept after a conflict, queue reports, photos."""
from ..extensions import db
from .base import utcnow


class SyncReceipt(db.Model):
    """One processed offline submission: its idempotency key and the result it got.

    A replay with the same key answers this result and changes nothing (invariant 15)."""

    __tablename__ = "sync_receipt"
    key = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # form / visit / photo
    result = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class OfflineEntry(db.Model):
    """What an assistant entered offline that could not be applied because the task moved on
    (reassigned, returned, finished, or the case changed): kept on the case for the reviewer."""

    __tablename__ = "offline_entry"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), nullable=False)
    user = db.relationship("User")
    task_id = db.Column(db.Integer)
    kind = db.Column(db.String(16), nullable=False)  # form / visit
    reason = db.Column(db.String(16), nullable=False)  # reassigned / finished / changed
    data = db.Column(db.JSON, nullable=False, default=dict)
    entered_at = db.Column(db.String(32))  # the phone's clock, as it said
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class SyncReport(db.Model):
    """How many entries an assistant's phone said were waiting to sync, and when."""

    __tablename__ = "sync_report"
    user_id = db.Column(db.Integer, db.ForeignKey("user_account.id"), primary_key=True)
    user = db.relationship("User")
    queue_length = db.Column(db.Integer, nullable=False, default=0)
    reported_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class DocumentPhoto(db.Model):
    """A photo of a document (ID card front/back, household book page) for one person of a case.

    The bytes live in the photo store (webapp/storage.py) under ``storage_key``, a random name;
    the area codes are copied from the case so scoping is the usual comparison."""

    __tablename__ = "document_photo"
    __table_args__ = (db.UniqueConstraint("storage_key", name="uq_document_photo_key"),)
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    id_number = db.Column(db.String(18), nullable=False)
    kind = db.Column(db.String(16), nullable=False)  # id_front / id_back / hukou
    storage_key = db.Column(db.String(128), nullable=False)
    content_type = db.Column(db.String(32), nullable=False)
    size = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    county_code = db.Column(db.String(6), nullable=False)
    township_code = db.Column(db.String(12))
    village_code = db.Column(db.String(12))
    uploaded_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    uploaded_by = db.relationship("User")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
