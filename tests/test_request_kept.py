"""What a request keeps (webapp/memo.py's RequestKept): values kept for one request are that
request's only. The next request sharing the app context and its session (as a test's requests
do), a new database session, another thread's request and anything outside a request see none of
them; values of watched classes are forgotten when the session writes their table."""
import threading

from sqlalchemy import select, text, update

from webapp.extensions import db
from webapp.memo import RequestKept
from webapp.models import Notification
from webapp.request_context import request_or_none
from webapp.services import notifications

_KEPT = RequestKept("test.request_kept")  # no classes: never forgotten by writes, as form_kinds' steps


def test_values_are_kept_for_the_request_only_and_not_for_the_next(app):
    with app.test_request_context("/inbox"):
        owner = request_or_none()
        assert owner is not None
        _KEPT.keep(db.session, owner, "a", 1)
        _KEPT.values(db.session, owner)["b"] = 2
        assert _KEPT.kept(db.session, owner, "a") == 1 and _KEPT.values(db.session, owner) == {"a": 1, "b": 2}
        assert _KEPT.kept(db.session, owner, "c") is None
        session = db.session()
    with app.test_request_context("/inbox"):  # the same app context and session, the next request
        owner = request_or_none()
        assert db.session() is session
        assert _KEPT.kept(db.session, owner, "a") is None and _KEPT.values(db.session, owner) == {}
        _KEPT.keep(db.session, owner, "a", 3)
        assert _KEPT.kept(db.session, owner, "a") == 3


def test_values_do_not_survive_into_the_next_session(app):
    with app.test_request_context("/inbox"):
        owner = request_or_none()
        _KEPT.keep(db.session, owner, "a", 1)
        db.session.remove()  # the request's session ends: the next one is new
        assert _KEPT.kept(db.session, owner, "a") is None and _KEPT.values(db.session, owner) == {}


def test_outside_a_request_nothing_is_kept(app):
    assert request_or_none() is None
    _KEPT.keep(db.session, None, "a", 1)
    _KEPT.values(db.session, None)["b"] = 2
    assert _KEPT.kept(db.session, None, "a") is None and _KEPT.values(db.session, None) == {}
    assert _KEPT.name not in db.session.info


def test_another_threads_request_sees_none_of_this_ones(app):
    seen = []

    def other():
        with app.app_context(), app.test_request_context("/inbox"):
            owner = request_or_none()
            seen.append(_KEPT.kept(db.session, owner, "a"))
            _KEPT.keep(db.session, owner, "a", "theirs")

    with app.test_request_context("/inbox"):
        owner = request_or_none()
        _KEPT.keep(db.session, owner, "a", "mine")
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
        assert seen == [None] and _KEPT.kept(db.session, owner, "a") == "mine"


def test_values_of_a_watched_class_are_forgotten_when_the_session_may_write_its_table(app):
    watched = notifications.UNREAD_KEPT  # kept with the user load, watching Notification
    with app.test_request_context("/inbox"):
        owner = request_or_none()
        watched.keep(db.session, owner, "count", 4)
        db.session.execute(select(Notification.id).limit(1))  # reading keeps it
        assert watched.kept(db.session, owner, "count") == 4
        db.session.execute(update(Notification).where(Notification.id == -1).values(read_at=None))
        assert watched.kept(db.session, owner, "count") is None
        watched.keep(db.session, owner, "count", 5)
        db.session.execute(text("SELECT 1 WHERE 1 = 0"))  # SQL text may write anywhere
        assert watched.kept(db.session, owner, "count") is None
        db.session.rollback()
