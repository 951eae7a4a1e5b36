"""The village assistant's offline visit app: the installable shell, its service worker, the
day's package, the sync of what the phone queued, and the photos of documents."""
from flask import Blueprint

bp = Blueprint("offline", __name__)

from . import routes, photo_routes  # noqa: E402,F401  (register the views on bp)
