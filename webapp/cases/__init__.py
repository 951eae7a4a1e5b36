"""Case pages: one case with its history, and the queue of households not yet placed."""
from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import routes, placement  # noqa: E402,F401 - the views register themselves on bp
