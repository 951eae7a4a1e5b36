"""Case archives (档案): one numbered PDF per audited case, and a number counter per township."""
from ..extensions import db
from .base import utcnow


class ArchiveCounter(db.Model):
    """The last archive sequence a township handed out. Only ever incremented: no number is reused."""

    __tablename__ = "archive_counter"
    township_code = db.Column(db.String(12), primary_key=True)
    last_value = db.Column(db.Integer, nullable=False, default=0)


class CaseArchive(db.Model):
    """The archive of one case: its number, where the PDF is stored, its hash and retention date."""

    __tablename__ = "case_archive"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, unique=True)
    case = db.relationship("Case")
    number = db.Column(db.String(64), nullable=False, unique=True)
    sequence = db.Column(db.Integer, nullable=False)
    county_code = db.Column(db.String(6), nullable=False, index=True)
    township_code = db.Column(db.String(12), nullable=False, index=True)
    village_code = db.Column(db.String(12), index=True)
    storage_key = db.Column(db.String(256), nullable=False)
    content_hash = db.Column(db.String(64), nullable=False)
    size_bytes = db.Column(db.Integer, nullable=False)
    retention_until = db.Column(db.Date, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    # Each re-production renders the file again: the same content gives the same hash.
    produced_count = db.Column(db.Integer, nullable=False, default=1)
    last_produced_at = db.Column(db.DateTime, nullable=False, default=utcnow)
