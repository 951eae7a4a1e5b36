"""Staff accounts, their role and their home area."""
from flask import current_app, has_app_context
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import utcnow

ROLES = ("village", "township", "agency", "county", "supervisor", "admin", "data_provider")
# Roles that work at county level and so see the whole county.
COUNTY_ROLES = ("agency", "county", "supervisor", "admin")
# Roles that own a lane of tasks (an inbox), and with supervisors the five working roles: the
# lanes a diagram may name, who gets digests, whom work can be moved to.
TASK_ROLES = ("village", "township", "county", "agency")
WORKING_ROLES = TASK_ROLES + ("supervisor",)


def hash_password(password, method=None):
    """The salted hash stored for ``password`` (see :meth:`User.set_password` for ``method``); for
    accounts written without an ORM object (the staff import)."""
    if method is None and has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, **({"method": method} if method else {}))


class User(UserMixin, db.Model):
    """A staff member. The home area decides what they may see (see services.scoping)."""

    __tablename__ = "user_account"
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), nullable=False, unique=True)
    display_name = db.Column(db.String(64), nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    role = db.Column(db.String(16), nullable=False, index=True)
    area_id = db.Column(db.Integer, db.ForeignKey("area.id"), nullable=False, index=True)
    area = db.relationship("Area")
    # A data provider belongs to one department (public_security, health, ...).
    department = db.Column(db.String(32))
    phone = db.Column(db.String(32))
    active = db.Column(db.Boolean, nullable=False, default=True)
    locale = db.Column(db.String(16))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # A password an administrator set (initial or reset) is changed by its owner at next log-in.
    must_change_password = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    last_login_at = db.Column(db.DateTime)
    password_changed_at = db.Column(db.DateTime)

    def set_password(self, password, method=None):
        """Store a salted hash of the password, never the password.

        ``method`` is for generated one-time passwords only (see services.admin.staff): a random
        secret of 70+ bits needs no key stretching, and stretching 500 of them costs minutes.
        Otherwise the PASSWORD_HASH_METHOD setting decides (None: werkzeug's default, scrypt;
        only TestConfig sets a cheap one, so the test suite does not spend its time stretching).
        """
        self.password_hash = hash_password(password, method)

    def check_password(self, password):
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self):
        return bool(self.active)

    def __repr__(self):
        return f"<User {self.username} {self.role}>"
