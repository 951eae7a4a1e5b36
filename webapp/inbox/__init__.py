"""The inbox: the task list, the task pages and bulk work."""
from flask import Blueprint

bp = Blueprint("inbox", __name__)

from . import case_header, household_rows, routes  # noqa: E402,F401 - the views and globals register themselves on bp
