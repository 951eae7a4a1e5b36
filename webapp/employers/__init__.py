"""Employers (用人单位): one employer across runs, inspections (用工检查), the annual check (年审), the tax flag."""
from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/employers")

from . import routes  # noqa: E402,F401  (the routes register on bp)
from . import documents  # noqa: E402,F401  (inspection documents and the notice PDF)
