"""Process pages: diagrams drawn with bpmn-js, numbered versions, rollback, diff, heatmap."""
from flask import Blueprint

bp = Blueprint("processes", __name__, url_prefix="/processes")

from . import edit_routes, form_routes, routes  # noqa: E402,F401 - registers the views on bp
