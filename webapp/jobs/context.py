"""One application per worker process, created on first use (not at import)."""
from contextlib import contextmanager

from webapp import create_app
from webapp.extensions import db

_app = None


def get_app():
    """The worker's Flask app, built from the environment's configuration."""
    global _app
    if _app is None:
        _app = create_app()
    return _app


@contextmanager
def app_context():
    """Run a job inside the app context, always leaving a clean session behind."""
    app = get_app()
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
