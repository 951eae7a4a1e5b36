"""In-app notifications: the list, marking read, and the count in the top bar."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from . import routes  # noqa: E402,F401 - the views register themselves on bp
