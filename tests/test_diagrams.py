"""Diagrams are validated before deploy, stored once by hash, and versions are immutable."""
import os

import pytest

from webapp import engine
from webapp.engine.diagrams import bundle_for
from webapp.extensions import db
from webapp.models import DiagramVersion, ProcessInstance

BPMN_DIR = os.path.join(os.path.dirname(__file__), "..", "bpmn")


def _bundle(process_id="registration_case"):
    return bundle_for(process_id, BPMN_DIR)


def test_shipped_diagrams_validate_and_deploy_once(app):
    first = engine.deploy_bundle("registration_case", _bundle())
    second = engine.deploy_bundle("registration_case", _bundle())
    db.session.commit()
    assert first.id == second.id and DiagramVersion.query.count() == 1
    assert set(first.files) == {"registration_case.bpmn", "distribution.bpmn", "door_to_door_visit.bpmn",
                                "township_first_review.bpmn", "county_audit.bpmn"}


def test_malformed_xml_is_rejected_with_file_and_line(app):
    files = _bundle()
    files["county_audit.bpmn"] = files["county_audit.bpmn"].replace("</bpmn:process>", "", 1)
    with pytest.raises(engine.DiagramInvalid) as err:
        engine.deploy_bundle("registration_case", files)
    problem = err.value.problems[0]
    assert problem.file == "county_audit.bpmn" and problem.line
    assert DiagramVersion.query.count() == 0


def test_script_in_a_condition_is_refused_before_deploy(app):
    files = _bundle()
    text = files["registration_case.bpmn"]
    assert "review_decision == 'return'" in text
    files["registration_case.bpmn"] = text.replace(
        "review_decision == 'return'", "().__class__.__base__.__subclasses__() and review_decision == 'return'")
    with pytest.raises(engine.DiagramInvalid) as err:
        engine.deploy_bundle("registration_case", files)
    assert any("__subclasses__" in p.message for p in err.value.problems)


def test_unknown_service_operator_and_bad_timer_are_refused(app):
    files = _bundle()
    files["registration_case.bpmn"] = files["registration_case.bpmn"].replace('id="registry_apply"', 'id="run_shell"', 1)
    files["county_audit.bpmn"] = files["county_audit.bpmn"].replace('"P7D"', '"seven days"', 1)
    with pytest.raises(engine.DiagramInvalid) as err:
        engine.deploy_bundle("registration_case", files)
    messages = " ".join(p.message for p in err.value.problems)
    assert "run_shell" in messages and "seven days" in messages


def test_a_user_task_outside_a_role_lane_is_refused(app):
    files = _bundle()
    files["distribution.bpmn"] = files["distribution.bpmn"].replace('name="township"', 'name="anyone"', 1)
    with pytest.raises(engine.DiagramInvalid) as err:
        engine.deploy_bundle("registration_case", files)
    assert any("泳道" in p.message for p in err.value.problems)


def test_new_version_affects_new_instances_only(county):
    from webapp.models import Case
    from webapp.services.casework import cases

    old = engine.current_version("registration_case")
    running = ProcessInstance.query.first()
    files = dict(old.files)
    files["door_to_door_visit.bpmn"] = files["door_to_door_visit.bpmn"].replace('"P10D"', '"P14D"')
    new = engine.deploy_bundle("registration_case", files)
    db.session.commit()
    assert new.id != old.id and engine.current_version("registration_case").id == new.id
    assert running.diagram_version_id == old.id
    household = Case.query.first().household
    case = cases.start_registration_case(household)
    db.session.commit()
    assert case.instances[0].diagram_version_id == new.id
    assert case.instances[0].serializer_version.startswith("3.2.0/")
