"""The header search box: people, households and cases within the user's areas."""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/search")

from . import routes  # noqa: E402,F401 - the views register themselves on bp
