"""Batches that replace each other, retiring a batch, one batch per source, the as-of date, linkage decisions."""
import pytest
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.synthetic.generator import generate_county
from webapp.models import (AuditEvent, ComparisonResult, ComparisonRun, ImportBatch, LinkageCandidate,
                           ProblemRecord)
from webapp.services.intake import importing as intake_import, runs as intake_runs

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)
ADULT = make_id("341721", date(1977, 3, 1), 11)
TEEN = make_id("341721", date(2001, 6, 20), 15)  # turns 16 on 2017-06-20
LINKED = make_id("341721", date(1985, 5, 5), 17)  # in the register under a damaged ID
WRONG_ADULT = ADULT[:17] + ("0" if ADULT[17] != "0" else "1")
WRONG_LINKED = LINKED[:17] + ("0" if LINKED[17] != "0" else "1")
REGISTER = ("户号,姓名,公民身份号码,户籍地址,人员状态,村(社区)代码\r\n"
            f"1000010001,甲一,{ADULT},东至县尧渡镇,正常,341721100001\r\n"
            f"1000010002,少年,{TEEN},东至县尧渡镇,正常,341721100001\r\n"
            f"1000010003,戊五,{WRONG_LINKED},东至县尧渡镇南村,正常,341721100001\r\n")
ENROLLMENT = ("身份证号,姓名,险种\n"
              f"{ADULT},甲一,企业职工基本养老保险\n{ADULT},甲一,职工医保\n{TEEN},少年,新农合\n"
              f"{LINKED},戊五,城乡居民养老保险\n{LINKED},戊五,新农合\n{WRONG_ADULT},甲一,失业保险\n")


def upload_file(client, source, name, content, period=None):
    data = {"source": source, "file": (io.BytesIO(content), name)}
    if period:
        data["period"] = period
    return client.post("/intake/upload", data, token_from="/intake/", content_type="multipart/form-data")


def start_run(client, as_of=None):
    response = client.post("/intake/runs", {"as_of": as_of} if as_of else {}, token_from="/intake/")
    assert response.status_code == 302
    return db.session.get(ComparisonRun, int(response.headers["Location"].rsplit("/", 1)[1]))


def _results(run):
    return {r.id_number: r for r in ComparisonResult.query.filter_by(run_id=run.id)}


def test_a_re_saved_copy_supersedes_its_batch_and_leaves_every_count_unchanged(app, tmp_path):
    folder = tmp_path / "county"
    summary = generate_county(folder, people=1500, seed=5, as_of=AS_OF, workers=1)
    for name, source in summary["sources"].items():
        assert intake_import.import_file(folder / name, source, today=AS_OF).status == "imported"
    db.session.commit()
    first = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(first.id)
    assert first.counts["invalid_id"] > 0

    # The same rows saved again in other encodings: other files, other hashes.
    originals, outcomes = {}, {}
    for name, encoding, copy_encoding in (("public_security_household.csv", "gbk", "utf-8-sig"),
                                          ("social_insurance_enrollment.csv", "utf-8", "gb18030")):
        copy = tmp_path / f"resaved-{name}"
        copy.write_bytes((folder / name).read_text(encoding=encoding).encode(copy_encoding))
        source = summary["sources"][name]
        originals[source] = ImportBatch.query.filter_by(source=source, active=True).one()
        outcomes[source] = intake_import.import_file(copy, source, today=AS_OF)
        assert outcomes[source].status == "imported"
        db.session.commit()

    second = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(second.id)
    assert second.counts == first.counts  # 46 unusable IDs stay 46, not 71
    assert second.diff_counts == {}
    for source, outcome in outcomes.items():
        assert f"#{originals[source].id}" in outcome.message  # the uploader is told what it replaced
        assert (originals[source].active, originals[source].superseded_by_id) == (False, outcome.batch.id)
    used = ImportBatch.query.filter(ImportBatch.id.in_(second.batch_ids)).all()
    assert not {b.id for b in originals.values()} & set(second.batch_ids)
    assert sorted(b.source for b in used if b.source != "health") == sorted(
        {s for s in summary["sources"].values() if s != "health"})
    for run in (first, second):
        assert ProblemRecord.query.filter_by(run_id=run.id, problem_type="invalid_id").count() == \
            first.counts["invalid_id"]
    assert LinkageCandidate.query.filter_by(run_id=second.id).count() == \
        LinkageCandidate.query.filter_by(run_id=first.id).count()
    # Problems keep their keys, so those already in cases keep them: no second case for the same row.
    keys = [{p.key for p in ProblemRecord.query.filter_by(run_id=run.id)} for run in (first, second)]
    assert keys[0] == keys[1]


def test_superseded_batch_stays_viewable_and_the_run_shows_its_batches(county, client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("utf-8"), period="2017-06")
    upload_file(client, "public_security", "户籍-重存.csv", REGISTER.encode("gbk"), period="2017-06")
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"), period="2017-06")
    older, newer, enrollment = ImportBatch.query.order_by(ImportBatch.id).all()
    assert (older.active, older.superseded_by_id, newer.active) == (False, newer.id, True)
    page = client.get(f"/intake/batches/{older.id}").get_data(as_text=True)
    assert "已被替代" in page and f'href="/intake/batches/{newer.id}"' in page
    listing = client.get("/intake/").get_data(as_text=True)
    assert "已被替代" in listing and "2017-06" in listing

    run = start_run(client, "2017-06-30")
    assert sorted(run.batch_ids) == [newer.id, enrollment.id]
    page = client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    table = page[page.index('id="run-batches"'):]
    assert "户籍-重存.csv" in table and "参保.csv" in table and "2017-06" in table
    assert "户籍.csv<" not in table  # the superseded file is not used


def test_a_later_period_is_used_and_a_bad_period_is_refused(county, client):
    client.login("agency")
    upload_file(client, "social_insurance", "五月.csv", ENROLLMENT.encode("utf-8"), period="2017-05")
    june = ENROLLMENT.replace(f"{TEEN},少年,新农合\n", "")
    upload_file(client, "social_insurance", "六月.csv", june.encode("utf-8"), period="2017-06")
    may, june_batch = ImportBatch.query.order_by(ImportBatch.id).all()
    assert may.active and june_batch.active  # different periods: neither replaces the other ...
    assert [b.id for b in intake_runs.batches_for_run("341721")] == [june_batch.id]  # ... the latest is used
    response = upload_file(client, "social_insurance", "x.csv", b"id\n1\n", period="June")
    assert "数据期间请写成" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert ImportBatch.query.count() == 2


def test_retiring_a_batch_needs_a_reason_and_is_audited(county, client, make_client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("utf-8"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    register, enrollment = ImportBatch.query.order_by(ImportBatch.id).all()
    page = f"/intake/batches/{enrollment.id}"
    response = client.post(f"{page}/retire", {"reason": "  "}, token_from=page)
    assert "须填写原因" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(enrollment)
    assert enrollment.active

    provider = make_client()
    provider.login("gongan")
    assert provider.post(f"/intake/batches/{register.id}/retire", {"reason": "x"},
                         token_from="/intake/").status_code == 403

    client.post(f"{page}/retire", {"reason": "社保局来函：数据有误，待重报"}, token_from=page)
    db.session.refresh(enrollment)
    assert (enrollment.active, enrollment.retired_reason) == (False, "社保局来函：数据有误，待重报")
    event = AuditEvent.query.filter_by(action="retire").one()
    assert (event.object_id, event.detail) == (str(enrollment.id), "社保局来函：数据有误，待重报")
    shown = client.get(page).get_data(as_text=True)
    assert "已停用" in shown and "社保局来函" in shown and 'id="retire-form"' not in shown
    run = start_run(client, "2017-06-30")
    assert run.batch_ids == [register.id]  # the retired batch is left out
    assert _results(run)[ADULT].status == "uninsured"


def test_the_as_of_date_decides_ages_and_runs_reproduce(county, client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("utf-8"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    before = start_run(client, "2017-06-19")
    after = start_run(client, "2017-06-20")
    assert (before.as_of, after.as_of) == (date(2017, 6, 19), date(2017, 6, 20))
    assert (_results(before)[TEEN].status, _results(before)[TEEN].missing) == ("confirmed", "")
    assert (_results(after)[TEEN].status, _results(after)[TEEN].missing) == ("uninsured", "pension")
    assert '<span id="as-of">2017-06-19</span>' in client.get(f"/intake/runs/{before.id}").get_data(as_text=True)

    again = start_run(client, "2017-06-19")
    columns = lambda run: {k: (r.status, r.problems, r.missing, r.reason, r.schemes)  # noqa: E731
                           for k, r in _results(run).items()}
    assert columns(again) == columns(before)
    assert again.counts == before.counts

    form = client.get("/intake/").get_data(as_text=True)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert re.search(r'name="as_of" id="as-of" value="%s"' % today.isoformat(), form)
    response = client.post("/intake/runs", {"as_of": "2017/13/40"}, token_from="/intake/")
    assert "比对基准日请写成" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert ComparisonRun.query.count() == 3
    assert intake_runs.create_run("341721").as_of == today  # the default: today in Asia/Shanghai
    db.session.rollback()


def test_linkage_decisions_count_in_the_next_run(county, client):
    client.login("agency")
    upload_file(client, "public_security", "户籍.csv", REGISTER.encode("utf-8"))
    upload_file(client, "social_insurance", "参保.csv", ENROLLMENT.encode("utf-8"))
    first = start_run(client, "2017-06-30")
    person = _results(first)[LINKED]
    assert (person.in_register, person.household_no) == (False, None)  # insured, not in the register
    pairs = {c.candidate_id_number: c for c in LinkageCandidate.query.filter_by(run_id=first.id)}
    assert set(pairs) == {ADULT, LINKED}
    page = f"/intake/runs/{first.id}/candidates"
    client.post(f"/intake/candidates/{pairs[LINKED].id}/decide", {"decision": "confirm"}, token_from=page)
    client.post(f"/intake/candidates/{pairs[ADULT].id}/decide", {"decision": "reject"}, token_from=page)

    second = start_run(client, "2017-06-30")
    person = _results(second)[LINKED]
    # The register row with the damaged ID is that person's: in the register, with the row's data.
    assert (person.in_register, person.household_no, person.village_code, person.address, person.status) == (
        True, "1000010003", "341721100001", "东至县尧渡镇南村", "confirmed")
    assert LinkageCandidate.query.filter_by(run_id=second.id).count() == 0  # neither pair comes back
    invalid = {p.id_raw for p in ProblemRecord.query.filter_by(run_id=second.id, problem_type="invalid_id")}
    assert invalid == {WRONG_ADULT}  # the rejected row is still a problem; the linked one is not
    assert second.counts["invalid_id"] == first.counts["invalid_id"] - 1 and second.counts["linked_rows"] == 1
    assert "已确认为同一人" in client.get(f"/intake/runs/{second.id}").get_data(as_text=True)
