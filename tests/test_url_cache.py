"""Links built from remembered patterns (webapp/url_cache.py) are the links Flask builds."""
import pytest
from flask import url_for

from webapp.url_cache import cached_url_for, id_link, ids_link


@pytest.mark.parametrize("mount", ["", "/reg"])
def test_links_of_one_id_equal_flasks_under_each_mount_point(app, mount):
    links = [("inbox.task", {"task_id": 7}), ("inbox.task", {"task_id": 0}), ("cases.case_page", {"case_id": 123456}),
             ("inbox.registration_form", {"task_id": 5}), ("inbox.registration_form", {"task_id": 5, "person_id": 9}),
             ("inbox.registration_form", {"task_id": 5, "form_id": 3}), ("inbox.tasks_list", {"page": 2}),
             ("inbox.claim", {"task_id": 42}), ("static", {"filename": "app.css"}), ("inbox.task", {"task_id": "8"})]
    with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}):
        for _round in range(2):  # the pattern built, then remembered
            for endpoint, values in links:
                assert cached_url_for(endpoint, **values) == url_for(endpoint, **values), (endpoint, values)
            assert id_link("inbox.task", "task_id")(31) == url_for("inbox.task", task_id=31)


@pytest.mark.parametrize("mount", ["", "/reg", "/a&b'"])
def test_links_of_several_ids_equal_flasks_under_each_mount_point(app, mount):
    with app.test_request_context("/inbox", environ_overrides={"SCRIPT_NAME": mount}):
        for _round in range(2):  # the pattern built, then remembered
            person = ids_link("inbox.registration_form", "task_id", "person_id")
            added = ids_link("inbox.registration_form", "form_id", "task_id")  # the ids in another order
            for first, second in ((5, 9), (0, 123456), (77, 77)):
                assert person(first, second) == url_for("inbox.registration_form", task_id=first, person_id=second)
                assert added(second, first) == url_for("inbox.registration_form", task_id=first, form_id=second)
            # A value the rule does not name goes to the query string, as Flask puts it.
            assert ids_link("inbox.task", "task_id", "person_id")(1, 2) == url_for("inbox.task", task_id=1, person_id=2)


def test_a_link_flask_cannot_build_fails_as_flasks_does(app):
    from werkzeug.routing import BuildError

    with app.test_request_context("/inbox"):
        for _round in range(2):
            with pytest.raises(BuildError):
                cached_url_for("inbox.task", person_id=3)  # the rule needs task_id
            assert cached_url_for("inbox.task", task_id=-1) == url_for("inbox.task", task_id=-1)
