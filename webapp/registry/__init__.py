"""The registry: people and households, change requests."""
from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")

from . import routes, start_routes  # noqa: E402,F401 - the views register themselves on bp
