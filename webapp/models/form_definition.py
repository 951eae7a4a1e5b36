"""Forms defined as data: a definition, its numbered versions, and what tasks submitted."""
from ..extensions import db
from .base import utcnow


class FormDefinition(db.Model):
    """A form an administrator defines in the form builder; user tasks name it by ``code``."""

    __tablename__ = "form_definition"
    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    title_zh = db.Column(db.String(100), nullable=False)
    title_en = db.Column(db.String(100), nullable=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    versions = db.relationship("FormVersion", order_by="FormVersion.number", back_populates="definition")


class FormVersion(db.Model):
    """One numbered version of a definition's schema (webapp/form_schema.py).

    At most one draft per definition (the newest number); a published version never changes,
    so a task that started while version N was current keeps validating against N.
    """

    __tablename__ = "form_version"
    __table_args__ = (db.UniqueConstraint("definition_id", "number", name="uq_form_version_number"),)
    id = db.Column(db.Integer, primary_key=True)
    definition_id = db.Column(db.Integer, db.ForeignKey("form_definition.id"), nullable=False, index=True)
    definition = db.relationship("FormDefinition", back_populates="versions")
    number = db.Column(db.Integer, nullable=False)
    schema = db.Column(db.JSON, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="draft")  # draft / published
    saved_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    saved_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    published_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    published_by = db.relationship("User", foreign_keys=[published_by_id])
    published_at = db.Column(db.DateTime)


class FormSubmission(db.Model):
    """The values one task posted, checked against the version it was started with.

    One per inbox task (a double submission cannot store twice); the timeline line it belongs
    to shows the values with their labels.
    """

    __tablename__ = "form_submission"
    id = db.Column(db.Integer, primary_key=True)
    inbox_task_id = db.Column(db.Integer, db.ForeignKey("inbox_task.id"), nullable=False, unique=True)
    case_id = db.Column(db.Integer, db.ForeignKey("case_file.id"), nullable=False, index=True)
    case_event_id = db.Column(db.Integer, db.ForeignKey("case_event.id"), index=True)
    version_id = db.Column(db.Integer, db.ForeignKey("form_version.id"), nullable=False)
    version = db.relationship("FormVersion")
    values = db.Column(db.JSON, nullable=False)
    submitted_by_id = db.Column(db.Integer, db.ForeignKey("user_account.id"))
    submitted_at = db.Column(db.DateTime, nullable=False, default=utcnow)
