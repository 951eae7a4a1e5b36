"""A page's write through ``attempt``: committed and announced, or rolled back with the refusal shown."""
import pytest
from flask import get_flashed_messages

from webapp.attempts import attempt
from webapp.extensions import db
from webapp.models import Area


class Refused(Exception):
    """A service's refusal in these tests."""


def _area(code):
    return Area.query.filter_by(code=code).first()


def test_a_body_that_returns_is_committed_and_its_message_flashed(app):
    with app.test_request_context():
        with attempt(Refused, done="saved") as saved:
            db.session.add(Area(code="990000", name="试验县", level="county"))
        assert saved
        db.session.expunge_all()
        assert _area("990000") is not None
        assert get_flashed_messages(with_categories=True) == [("success", "saved")]


def test_a_refusal_is_rolled_back_and_shown_as_an_error(app):
    with app.test_request_context():
        with attempt(ValueError, Refused, done="saved") as saved:
            db.session.add(Area(code="990001", name="试验县", level="county"))
            db.session.flush()
            raise Refused("不行")
        assert not saved
        assert _area("990001") is None
        assert get_flashed_messages(with_categories=True) == [("error", "不行")]


def test_any_other_error_passes_through_uncommitted(app):
    with app.test_request_context():
        with pytest.raises(KeyError):
            with attempt(Refused, done="saved"):
                raise KeyError("x")
        assert get_flashed_messages() == []


class Gone(Exception):
    """Another kind of refusal, answered differently by the view."""


def test_the_refusal_caught_is_kept_and_said_in_the_views_words(app):
    with app.test_request_context():
        with attempt(Refused, Gone, say=lambda err: f"已由他人办理（{err}）") as saved:
            raise Gone("张三")
        assert not saved and isinstance(saved.refusal, Gone)
        assert get_flashed_messages(with_categories=True) == [("error", "已由他人办理（张三）")]
        with attempt(Refused) as saved:
            pass
        assert saved and saved.refusal is None
