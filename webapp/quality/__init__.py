"""Quality and evaluation of the campaign: spot checks of audited forms (核查工作质量), summaries (总结评估)."""
from flask import Blueprint

bp = Blueprint("quality", __name__, url_prefix="/quality")

from . import spot_routes, summary_routes  # noqa: E402,F401  (route modules register on bp)
