"""Logging in and out, the interface language, changing a password."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes, password  # noqa: E402,F401 - the views register themselves on bp
