"""Administration pages: diagrams, staff accounts and their import, moving cases between versions."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes, staff, migration_routes  # noqa: E402,F401 - the views register themselves on bp
