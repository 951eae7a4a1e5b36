"""New top-level processes from templates: an administrator fills in a template, the draft
validates and deploys through the modeler's services, and staff of the chosen role start it on
a household in their area; the tasks reach the lane role's inbox of that area and complete."""
from webapp.engine.catalogue import file_processes, file_steps
from webapp.extensions import db
from webapp.models import AuditEvent, Case, Household, ProcessDraft
from webapp.services.admin import process_editing as editing
from webapp.services.admin import process_templates as templates
from webapp.services.casework import cases, starting

from .helpers import open_task, user


def _create(admin, process_id="recheck_drive", **overrides):
    args = dict(template_code="verify_visit", process_id=process_id, name_zh="参保复核走访",
                name_en="Re-verification drive", start_role="township", subject="household",
                step_roles=["village", "township"], step_forms=["investigate", "approve_return"], user=admin)
    args.update(overrides)
    return templates.create_from_template(**args)


def test_the_template_writes_lanes_steps_and_the_start_rule():
    from webapp.services.admin.process_templates import TEMPLATES, build_xml

    template = TEMPLATES["verify_visit"]
    xml = build_xml("drive", "复核", "Drive", "township", "household",
                    list(zip(template.steps, ["village", "township"], ["investigate", "approve_return"])))
    info = file_processes(xml)["drive"]
    assert (info.name, info.title_en, info.start_role, info.subject) == ("复核", "Drive", "township", "household")
    steps = {s.task_id: s for s in file_steps(xml)}
    assert steps["verify_step"].role == "village" and steps["verify_step"].form == "investigate"
    assert steps["review_step"].role == "township" and steps["review_step"].deadline == "P10D"
    assert "review_step_decision == 'return'" in xml


def test_admin_creates_deploys_and_township_starts_on_a_household(county):
    admin, township = user("admin"), user("township")
    draft = _create(admin)
    db.session.commit()
    assert draft.base_version_id is None
    files, found = editing.editable_files("recheck_drive")
    assert found is not None and list(files) == ["recheck_drive.bpmn"]
    assert editing.validate("recheck_drive", files) == []
    _version, number = editing.deploy_edit("recheck_drive", "recheck_drive.bpmn", files["recheck_drive.bpmn"],
                                           admin, "first")
    db.session.commit()
    assert number == 1 and editing.draft_of("recheck_drive") is None

    household = Household.query.filter(Household.village_code == user("village1").area.code).first()
    assert [p.process_id for p in starting.startable(township, "household")] == ["recheck_drive"]
    assert starting.startable(user("village1"), "household") == []
    assert starting.startable(township, "person") == []
    case = starting.start("recheck_drive", "household", household, township)
    db.session.commit()
    assert case.kind == "process" and case.household_id == household.id and case.village_code == household.village_code
    assert AuditEvent.query.filter_by(action="case_started", object_id=str(case.id)).count() == 1

    row = open_task(case, "verify_step")
    assert row.lane == "village" and row.village_code == household.village_code and row.title == "核查走访"
    village = user("village1")
    assert cases.claim(row, village)
    cases.complete(row, village, {"verify_step_comment": "已走访，情况属实"})
    db.session.commit()
    review = open_task(case, "review_step")
    assert review.lane == "township" and review.township_code == household.township_code
    from webapp.services.casework import tasks

    assert cases.claim(review, township)
    tasks.complete_review(review, township, "return", "请补充照片")
    db.session.commit()
    again = open_task(case, "verify_step")
    assert again is not None and again.return_reason == "请补充照片"
    assert again.assignee_id == village.id  # the one who did it last time
    cases.complete(again, village, {"verify_step_comment": "已补充"})
    db.session.commit()
    review = open_task(case, "review_step")
    assert cases.claim(review, township)
    tasks.complete_review(review, township, "approve", "")
    db.session.commit()
    assert db.session.get(Case, case.id).status == "completed"


def test_starting_is_refused_outside_the_area_and_for_other_roles(county, make_client):
    admin = user("admin")
    _create(admin, process_id="person_call", template_code="single_task", subject="person", start_role="village",
            step_roles=["village"], step_forms=["investigate"])
    db.session.commit()
    files, _draft = editing.editable_files("person_call")
    editing.deploy_edit("person_call", "person_call.bpmn", files["person_call.bpmn"], admin, "")
    db.session.commit()
    from webapp.models import Person

    village1, village2 = user("village1"), user("village2")
    own = Person.query.filter_by(village_code=village1.area.code).first()
    other = Person.query.filter_by(village_code=village2.area.code).first()
    import pytest

    with pytest.raises(starting.StartRefused):
        starting.start("person_call", "person", other, village1)
    with pytest.raises(starting.StartRefused):
        starting.start("person_call", "person", own, user("township"))
    case = starting.start("person_call", "person", own, village1)
    db.session.commit()
    assert case.person_id == own.id and open_task(case, "task_step").lane == "village"
    browser = make_client()
    browser.login("village1")
    page = f"/registry/persons/{own.id}"
    assert "发起流程" in browser.get(page).get_data(as_text=True)
    response = browser.post(f"{page}/start", {"process_id": "person_call"}, token_from=page)
    assert response.status_code == 302 and "/cases/" in response.headers["Location"]
    assert Case.query.filter_by(kind="process", person_id=own.id).count() == 2
    assert browser.post(f"/registry/persons/{other.id}/start", {"process_id": "person_call"},
                        token_from=page).status_code == 404


def test_a_taken_or_malformed_process_id_is_refused(county):
    import pytest

    admin = user("admin")
    for bad in ("registration_case", "county_audit", "Bad-Id", "x", "verify_step"):
        with pytest.raises(templates.TemplateRefused):
            _create(admin, process_id=bad)
    _create(admin)
    db.session.flush()
    with pytest.raises(templates.TemplateRefused):
        _create(admin)
    assert ProcessDraft.query.filter_by(process_id="recheck_drive").count() == 1


def test_the_pages_create_the_draft_and_staff_start_it_from_the_household_page(county, make_client):
    admin_client = make_client()
    admin_client.login("admin")
    page = admin_client.get("/processes/new").get_data(as_text=True)
    assert "核查走访" in page and "单步任务" in page
    response = admin_client.post("/processes/new", {
        "template": "verify_visit", "process_id": "recheck_drive", "name_zh": "参保复核走访", "name_en": "Re-check",
        "start_role": "township", "subject": "household", "role_1": "village", "form_1": "investigate",
        "role_2": "township", "form_2": "approve_return"}, token_from="/processes/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/processes/recheck_drive/edit")
    editor = admin_client.get("/processes/recheck_drive/edit").get_data(as_text=True)
    assert "参保复核走访" in editor and "新流程，尚未部署" in editor
    assert "参保复核走访" in admin_client.get("/processes/").get_data(as_text=True)
    xml = admin_client.get("/processes/recheck_drive/edit/files/recheck_drive.bpmn").get_data(as_text=True)
    files, _draft = editing.editable_files("recheck_drive")
    assert xml == files["recheck_drive.bpmn"]
    editing.deploy_edit("recheck_drive", "recheck_drive.bpmn", xml, user("admin"), "")
    db.session.commit()

    township = make_client()
    township.login("township")
    household = Household.query.filter(Household.village_code == user("village1").area.code).first()
    page = township.get(f"/registry/households/{household.id}").get_data(as_text=True)
    assert "发起流程" in page and "参保复核走访" in page
    response = township.post(f"/registry/households/{household.id}/start", {"process_id": "recheck_drive"},
                             token_from=f"/registry/households/{household.id}")
    assert response.status_code == 302 and "/cases/" in response.headers["Location"]
    case = Case.query.filter_by(kind="process", household_id=household.id).one()
    assert open_task(case, "verify_step").village_code == household.village_code
    village = make_client()
    village.login("village1")
    assert "发起流程" not in village.get(f"/registry/households/{household.id}").get_data(as_text=True)
    assert village.post(f"/registry/households/{household.id}/start", {"process_id": "recheck_drive"},
                        token_from=f"/registry/households/{household.id}").status_code == 403
    outside = Household.query.filter(Household.village_code != household.village_code,
                                     Household.township_code != household.township_code).first()
    if outside is not None:
        assert township.get(f"/registry/households/{outside.id}").status_code == 404


def test_a_step_may_name_a_form_defined_as_data():
    from webapp.services.admin.process_templates import TEMPLATES, build_xml

    template = TEMPLATES["single_task"]
    xml = build_xml("drive", "复核", "", "village", "person", [(template.steps[0], "village", "investigate")],
                    ["recheck_form"])
    assert '<spiffworkflow:property name="form_definition" value="recheck_form" />' in xml
    assert "form_definition" not in build_xml("drive", "复核", "", "village", "person",
                                              [(template.steps[0], "village", "investigate")])


def test_a_half_start_rule_is_refused_by_validation(app):
    from webapp.engine.preflight import check_upload
    from webapp.services.admin.process_templates import TEMPLATES, build_xml

    template = TEMPLATES["single_task"]
    good = build_xml("drive", "复核", "", "village", "person", [(template.steps[0], "village", "investigate")])
    with app.test_request_context():
        assert check_upload("drive.bpmn", good.encode()) == []
        half = good.replace('<spiffworkflow:property name="subject" value="person" />', "")
        problems = [str(p) for p in check_upload("drive.bpmn", half.encode())]
        assert len(problems) == 1 and "发起规则" in problems[0] and "「复核」" in problems[0]


def test_a_step_naming_an_unknown_or_unpublished_form_definition_is_refused(county, make_client):
    import pytest

    from webapp.services.admin import form_definitions

    from .data_form_support import SCHEMA, publish_definition

    admin = user("admin")
    with pytest.raises(templates.TemplateRefused) as refused:
        _create(admin, step_definitions=["", "no_such_form"])
    assert "核查审核" in str(refused.value) and "no_such_form" in str(refused.value)
    form_definitions.save_draft("draft_only", "草稿表", "Draft", SCHEMA, admin, create=True)
    db.session.flush()
    with pytest.raises(templates.TemplateRefused) as refused:
        _create(admin, step_definitions=["draft_only", ""])
    assert "核查走访" in str(refused.value) and "尚未发布" in str(refused.value)
    assert ProcessDraft.query.filter_by(process_id="recheck_drive").count() == 0
    publish_definition()
    db.session.commit()
    assert _create(admin, step_definitions=["head_check", ""]).files  # published: accepted

    admin_client = make_client()
    admin_client.login("admin")
    page = admin_client.post("/processes/new", {
        "template": "verify_visit", "process_id": "other_drive", "name_zh": "另一流程", "name_en": "Other",
        "start_role": "township", "subject": "household", "role_1": "village", "form_1": "investigate",
        "definition_1": "draft_only", "role_2": "township", "form_2": "approve_return"},
        token_from="/processes/new").get_data(as_text=True)
    assert "环节“核查走访”的数据表单 draft_only 不存在或尚未发布" in page
    assert ProcessDraft.query.filter_by(process_id="other_drive").count() == 0


def test_the_household_block_links_the_household_page_inside_the_users_area(county, make_client, app):
    from flask_login import login_user

    from webapp.registry.start_routes import household_page_url

    from .helpers import case_at_visit

    case = case_at_visit()
    household, row = case.household, open_task(case, "visit_household")
    link = f'href="/registry/households/{household.id}" id="household-page-link"'
    for username, pages in (("county", [f"/cases/{case.id}"]),
                            ("village1", [f"/cases/{case.id}", f"/inbox/tasks/{row.id}"])):
        client = make_client()
        client.login(username)
        for path in pages:
            assert link in client.get(path).get_data(as_text=True), (username, path)
        assert client.get(f"/registry/households/{household.id}").status_code == 200
    # Outside the user's area (another village's assistant, a data provider): no link.
    for username in ("village2", "gongan"):
        with app.test_request_context():
            login_user(user(username))
            assert household_page_url(household) is None, username
    with app.test_request_context():
        login_user(user("village1"))
        assert household_page_url(household) == f"/registry/households/{household.id}"
