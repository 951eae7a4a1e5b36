"""Quality and evaluation of the campaign: spot checks of audited forms (核查工作质量), summaries (总结评估)."""
from flask import Blueprint

bp = Blueprint("quality", __name__, url_prefix="/quality")

from . import spot_routes, summary_routes  # noqa: E402,F401  (route modules register on bp)
from ..services.campaign.spot_checks import area_rate  # noqa: E402

# The dashboard's spot-check card asks for its area's figure only when it is drawn.
bp.add_app_template_global(area_rate, "spot_check_rate")
