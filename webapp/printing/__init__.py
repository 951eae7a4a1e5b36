"""Printing pages: the registration form PDFs and the case archives (档案) of a township."""
from flask import Blueprint

bp = Blueprint("printing", __name__, url_prefix="/documents")

from . import routes  # noqa: E402,F401 - registers the views on bp
