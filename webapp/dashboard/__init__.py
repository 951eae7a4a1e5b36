"""The campaign's command center: the progress dashboard with drill-down, and the bulletins (定期通报)."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from . import routes, bulletin_routes, completeness_routes  # noqa: E402,F401  (route modules register on bp)
