"""Choosing which stored diagram version new cases start on (rollback)."""
from ..extensions import db
from ..models import DiagramVersion
from .diagrams import forget_current_version


def make_current(version):
    """Make ``version`` the one new instances of its process start on; the caller commits.

    Running instances keep the version they started on: they reference it by id.
    """
    DiagramVersion.query.filter(DiagramVersion.process_id == version.process_id,
                                DiagramVersion.id != version.id).update({"is_current": False})
    version.is_current = True
    db.session.flush()
    forget_current_version(version.process_id)
    return version
