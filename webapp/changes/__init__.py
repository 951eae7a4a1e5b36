"""Change requests (变更登记): the list to review, one request, raising for a person or a new person."""
from flask import Blueprint

bp = Blueprint("changes", __name__, url_prefix="/changes")

from . import routes  # noqa: E402,F401  (the routes register on bp)
from . import surveys  # noqa: E402,F401  (survey schedule pages)
