"""One application per worker process, created on first use (not at import)."""
from contextlib import contextmanager

from webapp import create_app
from webapp.extensions import db
from webapp.infra import prepared

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
        except BaseException:
            db.session.remove()  # a failed job's transaction is rolled back, whatever it did
            raise
        # A job that only read ends with a commit: the connection keeps its prepared statements
        prepared.end_read_only()
        db.session.remove()
