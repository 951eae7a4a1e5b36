"""Supervision: the console of late work, reassignment, due dates; and the queue dashboard."""
from flask import Blueprint

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

from . import routes, incidents, ops  # noqa: E402,F401 - the views register themselves on bp
