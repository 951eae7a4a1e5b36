"""Change requests raised from a comparison run's differences: each once, reviewed like any other."""
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import Area, ChangeRequest, ComparisonRun, Household, Person
from webapp.services.casework import changes_auto
from webapp.services.intake import importing as intake_import, runs as intake_runs

from .helpers import open_task
from .worker_fixtures import wait_for_job

AS_OF = date(2017, 6, 30)
DIES = make_id("341721", date(1950, 3, 1), 11)
LEAVES = make_id("341721", date(1980, 1, 2), 13)
ENROLS = make_id("341721", date(1970, 1, 1), 19)
BORN = make_id("341721", date(2017, 3, 9), 21)
VILLAGE = "341721100001"
HEADER = "户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码\r\n"


def _register(rows):
    return HEADER + "".join(f"1000010001,{name},{id_number},户主,东至县尧渡镇,{status},{VILLAGE}\r\n"
                            for name, id_number, status in rows)


def _run(tmp_path, label, register, enrollment):
    for name, source, text, encoding in ((f"户籍{label}.csv", "public_security", register, "gbk"),
                                         (f"参保{label}.csv", "social_insurance", enrollment, "utf-8-sig")):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        assert intake_import.import_file(path, source, today=AS_OF).status == "imported"
        db.session.commit()
    run = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return db.session.get(ComparisonRun, run.id)


def _registry_people():
    """The three people as the registry knows them (registered during the campaign)."""
    area = Area.query.filter_by(code=VILLAGE).one()
    household = Household(household_number="1000010001", head_name="甲一", county_code="341721",
                          township_code=area.township_code, village_code=VILLAGE)
    db.session.add(household)
    for name, id_number in (("甲一", DIES), ("乙二", LEAVES), ("丙三", ENROLS)):
        db.session.add(Person(id_number=id_number, name=name, household=household, county_code="341721",
                              township_code=area.township_code, village_code=VILLAGE, status="normal"))
    db.session.commit()


def _two_runs(tmp_path):
    """Two comparison runs: between them one person died, one left the register, one enrolled, one was born."""
    _registry_people()
    enrollment = f"身份证号,姓名,险种,参保状态\n{DIES},甲一,城乡居民养老保险,正常参保\n{DIES},甲一,新农合,正常参保\n"
    first = _run(tmp_path, "1", _register([("甲一", DIES, "正常"), ("乙二", LEAVES, "正常"), ("丙三", ENROLS, "正常")]),
                 enrollment)
    assert changes_auto.raise_from_run(first.id) == 0  # the first run has nothing to compare with
    second = _run(tmp_path, "2", _register([("甲一", DIES, "死亡"), ("丙三", ENROLS, "正常"), ("丁四", BORN, "正常")]),
                  enrollment + f"{ENROLS},丙三,城乡居民养老保险,正常参保\n{ENROLS},丙三,新农合,正常参保\n")
    assert second.previous_run_id == first.id
    return second


def test_a_runs_differences_raise_requests_once_and_they_are_reviewed(county, client, tmp_path):
    second = _two_runs(tmp_path)

    raised = changes_auto.raise_from_run(second.id)
    db.session.commit()
    found = {(r.kind, r.field, r.id_number): r for r in ChangeRequest.query.filter_by(comparison_run_id=second.id)}
    assert set(found) == {("death", "status", DIES), ("move_out", "status", LEAVES),
                          ("scheme", "pension_scheme", ENROLS), ("scheme", "medical_scheme", ENROLS),
                          ("birth", "person", BORN)}
    assert raised == 5
    assert found[("death", "status", DIES)].evidence and found[("birth", "person", BORN)].new_value["name"] == "丁四"
    assert all(r.origin == "comparison" and r.reviewer_role == "county" and r.case_id is None for r in found.values())

    # Raising again (the job run twice) raises nothing new.
    assert changes_auto.raise_from_run(second.id) == 0
    db.session.commit()
    assert ChangeRequest.query.count() == 5

    assert changes_auto.start_pending_reviews(limit=200) == 5
    db.session.commit()
    assert changes_auto.start_pending_reviews(limit=200) == 0
    death = ChangeRequest.query.filter_by(kind="death").one()
    row = open_task(death.case, "review_change")
    client.login("county")
    page = f"/inbox/tasks/{row.id}"
    html = client.get(page).get_data(as_text=True)
    assert "比对批次" in html and "死亡" in html
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    assert client.post(page, {"decision": "approve", "comment": ""}, token_from=page).status_code == 302
    db.session.expire_all()
    assert Person.query.filter_by(id_number=DIES).one().status == "deceased"
    assert ChangeRequest.query.filter_by(kind="death").one().status == "applied"


def test_the_raise_button_runs_a_job_in_a_real_worker_and_twice_raises_nothing_new(
        county, client, tmp_path, workers, redis_server):
    second = _two_runs(tmp_path)
    workers.start("intake", "--no-scheduler")
    client.login("agency")
    listing = client.get("/changes/").get_data(as_text=True)
    assert f"/changes/runs/{second.id}/raise" in listing
    for attempt in (1, 2):
        response = client.post(f"/changes/runs/{second.id}/raise", {}, token_from="/changes/")
        assert response.status_code == 302
        wait_for_job(f"raise-changes-{second.id}", workers, "the raise job")
        db.session.expire_all()
        assert ChangeRequest.query.count() == 5 and all(r.case_id for r in ChangeRequest.query)
    assert ChangeRequest.query.count() == 5
    assert len({r.case_id for r in ChangeRequest.query}) == 5
