"""Expansion (参保扩面): target lists and their rules, drives, contacts, conversion."""
from flask import Blueprint

bp = Blueprint("expansion", __name__, url_prefix="/expansion")

from . import routes  # noqa: E402,F401  (target lists, rules: register on bp)
from . import drives  # noqa: E402,F401  (drives, contacts, the conversion report)
