"""Expansion (参保扩面): target lists grouped by editable rules, a drive worked through the inbox,
conversion measured by a later comparison run and equal to an independent count."""
from datetime import date, timedelta

from sqlalchemy import text

from webapp import clock
from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import (Case, ComparisonRun, ExpansionAssignment, ExpansionContact, ExpansionDrive,
                           ExpansionTally, ExpansionTarget, InboxTask)
from webapp.services.expansion import conversion, drives, rules, tally, targets
from webapp.services.intake import importing as intake_import, runs as intake_runs

from .helpers import open_task, user

AS_OF, LATER = date(2017, 6, 30), date(2017, 9, 30)
HEADER = "户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码,户口性质,职业,现住址\r\n"
# name, ID, household type, occupation, current address (None: at home)
PEOPLE = (
    ("赵职工", make_id("341721", date(1985, 3, 1), 11), "非农业", "职工", None),  # enterprise_employee
    ("钱务工", make_id("341721", date(1990, 4, 2), 13), "农业", "务工", None),  # migrant_worker
    ("孙在外", make_id("341721", date(1988, 5, 3), 15), "非农业", "", "广东省东莞市某厂宿舍"),  # mobile
    ("李农民", make_id("341721", date(1960, 6, 4), 17), "农业", "农民", None),  # farmer
    ("周个体", make_id("341721", date(1979, 7, 5), 19), "非农业", "个体", None),  # flexible
    ("吴下岗", make_id("341721", date(1975, 8, 6), 21), "非农业", "无业", None),  # unemployed (former employer)
)
INSURED = make_id("341721", date(1970, 1, 1), 23)  # confirmed: never a target
EXPECTED = {"赵职工": "enterprise_employee", "钱务工": "migrant_worker", "孙在外": "mobile", "李农民": "farmer",
            "周个体": "flexible", "吴下岗": "unemployed"}


def village_of_test():
    return user("village1").area


def register_rows(village):
    address = "安徽省池州市东至县某镇某村"
    rows = [f"2000{n:06d},{name},{id_number},户主,{address},正常,{village.code},{hukou},{job},{current or address}\r\n"
            for n, (name, id_number, hukou, job, current) in enumerate(PEOPLE)]
    rows.append(f"2000999999,郑参保,{INSURED},户主,{address},正常,{village.code},农业,农民,{address}\r\n")
    return HEADER + "".join(rows)


def enrollment_rows(extra=""):
    laid_off = PEOPLE[5][1]
    return ("身份证号,姓名,险种,参保状态,单位名称\n"
            f"{INSURED},郑参保,城乡居民养老保险,正常参保,\n{INSURED},郑参保,新农合,正常参保,\n"
            f"{laid_off},吴下岗,企业职工基本养老保险,终止参保,东至县某机械厂\n" + extra)


def run_comparison(tmp_path, label, as_of, register, enrollment):
    for name, source, body, encoding in ((f"户籍{label}.csv", "public_security", register, "gbk"),
                                         (f"参保{label}.csv", "social_insurance", enrollment, "utf-8-sig")):
        path = tmp_path / name
        path.write_bytes(body.encode(encoding))
        # The same register again is a duplicate: the active batch stays in use.
        assert intake_import.import_file(path, source, today=as_of).status in ("imported", "duplicate")
        db.session.commit()
    run = intake_runs.create_run(as_of=as_of)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return db.session.get(ComparisonRun, run.id)


def first_list(tmp_path):
    run = run_comparison(tmp_path, "1", AS_OF, register_rows(village_of_test()), enrollment_rows())
    assert targets.build_list(run.id) == len(PEOPLE)
    db.session.commit()
    assert targets.build_list(run.id) == len(PEOPLE)  # the job run twice builds nothing new
    assert ExpansionTarget.query.filter_by(run_id=run.id).count() == len(PEOPLE)
    return run


def _groups(run):
    db.session.expire_all()
    return {t.name: t.group_code for t in ExpansionTarget.query.filter_by(run_id=run.id)}


def test_targets_are_grouped_by_rules_county_staff_edit_and_bad_rules_are_refused(county, client, tmp_path):
    run = first_list(tmp_path)
    assert _groups(run) == EXPECTED
    laid_off = ExpansionTarget.query.filter_by(run_id=run.id, name="吴下岗").one()
    assert laid_off.former_employer and laid_off.age == 41 and laid_off.missing == "pension;medical"
    assert ExpansionTarget.query.filter_by(run_id=run.id, name="孙在外").one().works_away

    client.login("county")
    page = client.get("/expansion/rules").get_data(as_text=True)
    assert "职业 属于 职工、工人、企业职工" in page and "户口性质 = 农业户口" in page  # readable, as typed
    # A new first rule: self-employed people are counted with the small-firm employees.
    response = client.post("/expansion/rules", {"position": "1", "group_code": "enterprise_employee",
                                                "conditions": "职业 = 个体\n年龄 ≥ 16"}, token_from="/expansion/rules")
    assert response.status_code == 302
    assert _groups(run)["周个体"] == "enterprise_employee"  # the latest list was regrouped
    first = rules.rules_of(run.county_code)[0]
    assert first.group_code == "enterprise_employee" and first.conditions[0] == {"attr": "occupation", "op": "eq",
                                                                                 "value": "个体"}

    for typed, message in (("工资 > 3000", "没有名为“工资”的属性"), ("年龄 属于 老人", "“年龄”不能用“属于”"),
                           ("户口性质 = 城市户口", "“户口性质”没有“城市户口”这一项"),
                           ("年龄 大约 30", "看不懂“年龄 大约 30”"), ("年龄 ≥ 二十", "应填 0 至 150 之间的整数"),
                           ("", "请至少写一个条件")):
        refused = client.post("/expansion/rules", {"position": "2", "group_code": "farmer", "conditions": typed},
                              token_from="/expansion/rules")
        assert refused.status_code == 400 and message in refused.get_data(as_text=True), typed
    assert _groups(run)["周个体"] == "enterprise_employee"  # nothing refused was saved
    # A village assistant reads the rules but cannot change them.
    client.logout()
    client.login("township")
    assert client.get("/expansion/rules").status_code == 200
    assert client.post("/expansion/rules", {"group_code": "farmer", "conditions": "年龄 ≥ 1"},
                       token_from="/expansion/rules").status_code == 403


def test_the_list_filters_by_township_and_village_and_exports(county, client, tmp_path):
    run = first_list(tmp_path)
    village = village_of_test()
    client.login("county")
    html = client.get(f"/expansion/?run={run.id}&group=farmer").get_data(as_text=True)
    assert "李农民" in html and "赵职工" not in html and PEOPLE[3][1] not in html  # IDs masked
    html = client.get(f"/expansion/?run={run.id}&village={village.code}0").get_data(as_text=True)
    assert "李农民" not in html
    html = client.get(f"/expansion/?run={run.id}&township={village.township_code}").get_data(as_text=True)
    assert all(name in html for name in EXPECTED)
    export = client.get(f"/expansion/export.xlsx?run={run.id}&village={village.code}")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    from io import BytesIO
    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(PEOPLE) and rows[0][0] == "姓名"
    assert all(PEOPLE[0][1] != cell for row in rows for cell in row)  # no full ID number leaves
    client.logout()
    client.login("village2")  # another village sees none of them
    assert "李农民" not in client.get(f"/expansion/?run={run.id}").get_data(as_text=True)


def _open_drive(client, run):
    client.login("county")
    response = client.post(f"/expansion/drives?run={run.id}",
                           {"name": "秋季扩面", "groups": [code for code in rules.GROUP_CODES],
                            "areas": [village_of_test().code], "contact_role": "village"}, token_from="/expansion/drives")
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    client.logout()
    return ExpansionDrive.query.one()


def _contact(client, page, assignment, target, outcome, reason="", follow_up="", key=None):
    data = {"task_id": page.rsplit("/", 1)[1], "outcome": outcome, "reason": reason, "follow_up_on": follow_up}
    if key:
        data["key"] = key
    return client.post(f"/expansion/assignments/{assignment.id}/targets/{target.id}/contact", data, token_from=page)


def test_a_drive_is_worked_through_the_inbox_and_a_later_run_converts_targets(county, client, tmp_path):
    run = first_list(tmp_path)
    drive = _open_drive(client, run)
    assert drive.targets == len(PEOPLE)
    assignment = ExpansionAssignment.query.one()
    row = open_task(db.session.get(Case, assignment.case_id), "contact_targets")
    assert row.lane == "village" and row.village_code == village_of_test().code and row.due_at is not None

    client.login("village1")
    assert f'data-task="{row.id}"' in client.get("/inbox?view=team").get_data(as_text=True)
    page = f"/inbox/tasks/{row.id}"
    client.post(f"{page}/claim", token_from="/inbox?view=team")
    html = client.get(page).get_data(as_text=True)
    assert all(name in html for name in EXPECTED)
    by_name = {t.name: t for t in ExpansionTarget.query.filter_by(drive_id=drive.id)}
    today = clock.now().date()

    assert _contact(client, page, assignment, by_name["李农民"], "refused").status_code == 302
    assert "须写明原因" in client.get(page).get_data(as_text=True)
    assert ExpansionContact.query.count() == 0
    assert _contact(client, page, assignment, by_name["李农民"], "refused", "认为养老金太少").status_code == 302
    follow = (today + timedelta(days=10)).isoformat()
    for name, outcome in (("赵职工", "willing"), ("钱务工", "explained"), ("孙在外", "not_reached")):
        _contact(client, page, assignment, by_name[name], outcome, follow_up=follow if name == "孙在外" else "",
                 key=f"k-{name}")
    _contact(client, page, assignment, by_name["赵职工"], "willing", key="k-赵职工")  # a double submit
    assert ExpansionContact.query.count() == 4
    # Not finished while targets are left.
    unfinished = client.post(page, {"contact_note": ""}, token_from=page)
    assert unfinished.status_code == 200 and "未记录联系情况" in unfinished.get_data(as_text=True)
    _contact(client, page, assignment, by_name["周个体"], "enrolled_elsewhere", "已在杭州参加职工养老")
    _contact(client, page, assignment, by_name["吴下岗"], "reached")
    done = client.post(page, {"contact_note": "全部联系"}, token_from=page)
    assert done.status_code == 302, done.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    assert db.session.get(ExpansionAssignment, assignment.id).status == "completed"
    assert db.session.get(Case, assignment.case_id).status == "completed"

    # The follow-up date brings 孙在外 back to the inbox, once.
    assert drives.open_due_follow_ups(today + timedelta(days=9)) == 0
    assert drives.open_due_follow_ups(today + timedelta(days=10)) == 1
    db.session.commit()
    assert drives.open_due_follow_ups(today + timedelta(days=10)) == 0
    second_round = ExpansionAssignment.query.filter_by(round=2).one()
    assert [t.name for t in drives.targets_of(second_round)] == ["孙在外"]
    assert open_task(db.session.get(Case, second_round.case_id), "contact_targets") is not None

    # The drive page shows progress.
    client.logout()
    client.login("county")
    html = client.get(f"/expansion/drives/{drive.id}").get_data(as_text=True)
    assert 'id="drive-contacted">6<' in html and 'id="drive-converted">0<' in html

    # A later run: 赵职工 and 钱务工 enrolled (both basic schemes), 吴下岗 in resident medical only.
    enrolled = "".join(f"{PEOPLE[i][1]},{PEOPLE[i][0]},{scheme},正常参保,\n" for i in (0, 1)
                       for scheme in ("城乡居民养老保险", "新农合")) + f"{PEOPLE[5][1]},吴下岗,新农合,正常参保,\n"
    later = run_comparison(tmp_path, "2", LATER, register_rows(village_of_test()), enrollment_rows(enrolled))
    db.session.expire_all()
    converted = {t.name for t in ExpansionTarget.query.filter_by(run_id=run.id) if t.converted_run_id == later.id}
    assert converted == {"赵职工", "钱务工", "吴下岗"}
    assert {t.converted_on for t in ExpansionTarget.query.filter(ExpansionTarget.converted_run_id.isnot(None))} == {LATER}

    # The rate equals an independent count over the later run's results.
    independent = db.session.execute(text(
        "SELECT COUNT(*) FROM expansion_target t JOIN comparison_result r ON r.id_number = t.id_number "
        "AND r.run_id = :later WHERE t.run_id = :run AND (r.status = 'confirmed' OR r.schemes > t.schemes)"),
        {"later": later.id, "run": run.id}).scalar()
    report = conversion.report(run.id, ExpansionTally.county_code == run.county_code)
    assert report["total"]["converted"] == independent == 3
    assert abs(report["total"]["rate"] - independent / len(PEOPLE)) < 1e-9
    by_group = {r["key"]: r for r in report["by_group"]}
    assert by_group["enterprise_employee"]["converted"] == 1 and by_group["farmer"]["converted"] == 0
    assert [r["converted"] for r in report["by_drive"]] == [3]
    village1 = user("village1")
    assert {r["label"]: r["converted"] for r in report["by_staff"]} == {village1.display_name: 3}
    assert report["over_time"][0]["cumulative"] == 3
    # The maintained tally (moved one contact at a time) equals a recount from the targets.
    tally.rebuild(run.id)
    assert conversion.report(run.id, ExpansionTally.county_code == run.county_code) == report
    html = client.get("/expansion/conversion").get_data(as_text=True)
    assert 'id="conversion-converted">3<' in html and "50.0%" in html
    html = client.get(f"/expansion/drives/{drive.id}").get_data(as_text=True)
    assert 'id="drive-converted">3<' in html
    # A new drive over the same list takes no target already in a drive.
    try:
        drives.open_drive(run, "再来", list(rules.GROUP_CODES), [village_of_test().code], "village", None)
    except drives.DriveRefused as err:
        assert "没有尚未纳入行动的扩面对象" in str(err)
    else:
        raise AssertionError("a second drive took targets already in a drive")
    db.session.rollback()
    assert InboxTask.query.filter_by(process_id="expansion_drive").count() == 2


def test_conversion_reaches_the_dashboard_and_the_bulletin(county, client, tmp_path):
    run = first_list(tmp_path)
    drive = drives.open_drive(run, "冬季扩面", ["farmer", "enterprise_employee"], [village_of_test().code], "village", None)
    db.session.commit()
    assert drive.targets == 2
    enrolled = "".join(f"{PEOPLE[i][1]},{PEOPLE[i][0]},{scheme},正常参保,\n" for i in (0, 3)
                       for scheme in ("城乡居民养老保险", "新农合"))
    later = run_comparison(tmp_path, "2", LATER, register_rows(village_of_test()), enrollment_rows(enrolled))
    client.login("county")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert 'id="dashboard-expansion"' in html and "33.3%" in html  # 2 of 6
    from webapp.services.campaign import bulletins
    bulletin = bulletins.produce(run.county_code, LATER)
    db.session.commit()
    assert {k: v for k, v in bulletin.figures["expansion"].items() if k != "townships"} == \
        {"run_id": run.id, "targets": 6, "converted": 2, "rate": 33.3}
    assert bulletins.produce(run.county_code, LATER - timedelta(days=1)).figures["expansion"]["converted"] == 0
    db.session.commit()
    html = client.get(f"/dashboard/bulletins/{bulletin.id}").get_data(as_text=True)
    assert 'id="bulletin-expansion"' in html and "33.3%" in html
    assert later.id > run.id


def test_the_build_button_runs_a_job_in_a_real_worker(county, client, tmp_path, workers, redis_server):
    from .worker_fixtures import wait_for_job

    run = run_comparison(tmp_path, "1", AS_OF, register_rows(village_of_test()), enrollment_rows())
    workers.start("intake", "--no-scheduler")
    client.login("county")
    assert "/expansion/build" in client.get("/expansion/").get_data(as_text=True)
    assert client.post("/expansion/build", {}, token_from="/expansion/").status_code == 302

    wait_for_job(f"expansion-targets-{run.id}", workers, "the target list job")
    db.session.expire_all()
    assert {t.name: t.group_code for t in ExpansionTarget.query.filter_by(run_id=run.id)} == EXPECTED
    html = client.get("/expansion/").get_data(as_text=True)
    assert "/expansion/build" not in html and "李农民" in html
