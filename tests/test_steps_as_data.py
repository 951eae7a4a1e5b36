"""Steps as data: every shipped user task names a registered form kind, its titles, role and
timing in the diagram; deadline/reminder properties become the engine's boundary timers; a
step without a form kind, or with a malformed duration, is refused naming the task."""
import os

from lxml import etree

from webapp.engine.catalogue import bundle_steps
from webapp.engine.expand import expand_xml
from webapp.engine.preflight import check_upload
from webapp.form_kinds import FORM_KINDS

BPMN_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bpmn")
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _shipped():
    files = {}
    for name in sorted(os.listdir(BPMN_DIR)):
        with open(os.path.join(BPMN_DIR, name), encoding="utf-8") as handle:
            files[name] = handle.read()
    return files


def test_every_shipped_step_is_described_by_its_diagram():
    steps = bundle_steps(_shipped())
    # seven campaign steps, the township change review, the village survey, the two spot-check lanes,
    # the township summary and its review, the employer inspection's two, and the expansion
    # drive's contact round in the village lane and in the township lane
    assert len(steps) == 17
    for step in steps.values():
        assert step.form in FORM_KINDS, step
        assert step.name and step.title_en and step.role in ("village", "township", "county", "agency")
        assert step.deadline.startswith("P") and step.reminder.startswith("P")
    review = steps[("township_first_review", "first_review")]
    assert (review.decision_variable, review.comment_variable) == ("review_decision", "review_comment")
    township = steps[("dynamic_change", "township_review_change")]
    assert (township.role, township.form, township.decision_variable) == ("township", "approve_reject", "change_decision")
    survey = steps[("village_survey", "conduct_survey")]
    assert (survey.role, survey.form, survey.comment_variable) == ("village", "village_survey", "survey_note")
    assert {(steps[("spot_check", t)].role, steps[("spot_check", t)].form) for t in
            ("township_spot_check", "county_spot_check")} == {("township", "spot_check"), ("county", "spot_check")}
    review = steps[("campaign_summary", "review_summary")]
    assert (review.role, review.form, review.decision_variable) == ("county", "summary_review", "summary_decision")
    assert steps[("campaign_summary", "write_summary")].role == "township"
    recheck = steps[("employer_inspection", "recheck_employer")]
    assert (recheck.role, recheck.form, recheck.decision_variable, recheck.deadline) == (
        "county", "inspection_outcome", "inspection_outcome", "P30D")
    for task_id, role in (("contact_targets", "village"), ("township_contact_targets", "township")):
        contact = steps[("expansion_drive", task_id)]
        assert (contact.role, contact.form, contact.comment_variable) == (role, "expansion_contact", "contact_note")


def test_deadline_properties_expand_into_the_timer_paths_the_runtime_reads():
    files = _shipped()
    flow_nodes = lambda xml: [el for el in etree.fromstring(xml.encode()).iter()  # noqa: E731
                              if isinstance(el.tag, str) and etree.QName(el).localname in
                              ("userTask", "serviceTask", "startEvent", "endEvent", "boundaryEvent",
                               "exclusiveGateway", "callActivity")]
    drawn = sum(len(flow_nodes(xml)) for xml in files.values())
    expanded = sum(len(flow_nodes(expand_xml(xml))) for xml in files.values())
    assert expanded - drawn == 17 * 6  # six nodes per step the administrator no longer draws
    root = etree.fromstring(expand_xml(files["township_first_review.bpmn"]).encode())
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    deadline = by_id["first_review_deadline"]
    assert deadline.get("attachedToRef") == "first_review" and deadline.get("cancelActivity") == "false"
    assert deadline.find(f".//{{{BPMN}}}timeDuration").text == '"P7D"'
    assert by_id["first_review_escalate"] is not None and by_id["first_review_reminder_end"] is not None
    lane_refs = [ref.text for ref in root.iter(f"{{{BPMN}}}flowNodeRef")]
    assert "first_review_notify" in lane_refs
    # Expanding twice changes nothing: a diagram that draws its timers keeps them.
    assert expand_xml(expand_xml(files["township_first_review.bpmn"])).count('id="first_review_deadline"') == 1


def test_a_step_without_a_form_kind_or_with_a_bad_duration_is_refused_by_name(app):
    xml = _shipped()["county_audit.bpmn"]
    with app.test_request_context():
        no_form = xml.replace('<spiffworkflow:property name="form" value="approve_return" />', "", 1)
        messages = [str(p) for p in check_upload("county_audit.bpmn", no_form.encode())]
        assert len(messages) == 1 and "「县级审核」" in messages[0] and "表单类型" in messages[0]
        unknown = xml.replace('value="approve_return"', 'value="sign_here"', 1)
        assert "sign_here" in str(check_upload("county_audit.bpmn", unknown.encode())[0])
        bad = xml.replace('value="P7D"', 'value="7 days"', 1)
        problems = check_upload("county_audit.bpmn", bad.encode())
        assert len(problems) == 1 and "7 days" in str(problems[0]) and "ISO 8601" in str(problems[0])


def _old_style(xml):
    """A file as diagrams were before steps were data: timers drawn by hand, no properties."""
    import re

    return re.sub(r"\s*<bpmn:extensionElements>\s*<spiffworkflow:properties>.*?</spiffworkflow:properties>\s*"
                  r"</bpmn:extensionElements>", "", expand_xml(xml), flags=re.S)


def test_cases_on_a_hand_drawn_version_move_to_the_property_version(county):
    """Deploying the shipped diagrams over an older installation: running cases keep working on
    their version, and every one of them can move to the new one."""
    from webapp import engine
    from webapp.extensions import db
    from webapp.models import DiagramVersion
    from webapp.services.admin import migration

    from webapp.models import Household
    from webapp.services.casework import cases

    from .migration_support import instance_of, review, visit_done
    from .test_process_editor import new_case_at_visit

    new = DiagramVersion.query.filter_by(process_id="registration_case", is_current=True).one()
    old_files = {name: _old_style(xml) for name, xml in new.files.items()}
    assert "spiffworkflow:property " not in "".join(old_files.values())
    old = engine.deploy_bundle("registration_case", old_files, None, "hand-drawn timers")
    db.session.commit()
    at = {"assign_household": cases.start_registration_case(Household.query.first()),
          "visit_household": new_case_at_visit(), "first_review": new_case_at_visit(),
          "county_audit_review": new_case_at_visit()}
    db.session.commit()
    engine.deploy_bundle("registration_case", dict(new.files), None, "steps as data")
    db.session.commit()
    # Cases on the hand-drawn version keep working: their steps take their form kinds from the
    # same steps of the current version.
    visit_done(at["first_review"])
    visit_done(at["county_audit_review"])
    review(at["county_audit_review"], "first_review", "township")
    assert {instance_of(case).diagram_version_id for case in at.values()} == {old.id}
    _target, rows = migration.check_cases(old)
    assert len(rows) == 4 and all(row["compatible"] for row in rows), [row["reasons"] for row in rows]


def test_a_request_asks_a_rows_step_of_its_version_once(app, monkeypatch):
    """A completion asks its row's step several times (page, variables, kind, counters, title):
    the version's steps are read once per request, and asked again by the next request."""
    from types import SimpleNamespace

    from webapp import form_kinds

    asked = []
    step = SimpleNamespace(form="visit")
    monkeypatch.setattr(form_kinds, "steps_of_version",
                        lambda version_id: asked.append(version_id) or {("door_to_door_visit", "visit"): step})
    row = SimpleNamespace(diagram_version_id=7, process_id="door_to_door_visit", task_name="visit", instance=None)
    other = SimpleNamespace(diagram_version_id=8, process_id="door_to_door_visit", task_name="visit", instance=None)
    with app.test_request_context():
        assert [form_kinds.step_of(row) for _ in range(3)] == [step] * 3
        assert form_kinds.step_of(other) is step
    assert asked == [7, 8]
    with app.test_request_context():
        assert form_kinds.step_of(row) is step
    assert asked == [7, 8, 7]
