"""Department data intake pages and the ``flask intake`` commands: the web side of ``webapp.intake``."""
from flask import Blueprint

bp = Blueprint("intake", __name__, url_prefix="/intake")

from . import routes, routes_employers, routes_reveal, routes_runs  # noqa: E402,F401 - the views register themselves on bp
from . import cli, cli_runs  # noqa: E402,F401 - cli_runs adds `flask intake run` and `results` to cli's group
