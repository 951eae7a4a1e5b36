"""The steps' titles are handed out as a snapshot with a version number: a newly read diagram
version that changes a title makes a new snapshot under a higher number (what the task list's
kept rows are keyed by, webapp/inbox/task_list.py), and a snapshot already handed out stays as it was."""
import os
from types import SimpleNamespace

import pytest

from webapp.engine import catalogue

BPMN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "bpmn", "door_to_door_visit.bpmn")


def _version(content_hash, xml):
    return SimpleNamespace(content_hash=content_hash, files={"door_to_door_visit.bpmn": xml})


def test_a_changed_title_is_a_new_snapshot_under_a_higher_number():
    with open(BPMN, encoding="utf-8") as handle:
        xml = handle.read()
    assert 'name="title_en" value="Door-to-door visit"' in xml
    catalogue.steps_of(_version("test-titles-original", xml))  # read as shipped (maybe again)
    before, version = catalogue.known_titles(), catalogue.titles_version()
    step = next(name for name, (zh, en) in before.items() if en == "Door-to-door visit")
    assert catalogue.titles_version() == version  # nothing read: the same number
    catalogue.steps_of(_version("test-titles-original", xml))  # a version read already: nothing changes
    assert catalogue.titles_version() == version and catalogue.known_titles() is before
    try:
        renamed = xml.replace('value="Door-to-door visit"', 'value="Household visit"')
        catalogue.steps_of(_version("test-titles-renamed", renamed))
        assert catalogue.titles_version() > version
        assert catalogue.known_titles()[step][1] == "Household visit"
        assert before[step][1] == "Door-to-door visit"  # the snapshot handed out before is unchanged
        with pytest.raises(TypeError):
            catalogue.known_titles()[step] = ("x", "y")  # read-only
    finally:  # the shipped title again for the tests after this one (a newer read English title wins)
        catalogue.steps_of(_version("test-titles-restored", xml))
    assert catalogue.known_titles()[step][1] == "Door-to-door visit"
