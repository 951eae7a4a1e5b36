"""Imports into the database (all or nothing, once per file) and comparison runs on them."""
from collections import defaultdict
from datetime import date

import pytest
from openpyxl import Workbook

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.synthetic.answer_key import load_answer_key, load_employer_key
from webapp.synthetic.generator import generate_county
from webapp.models import (Case, ComparisonChange, ComparisonEmployer, ComparisonResult, HeaderMapping, ImportBatch,
                           IntakeChunk, InvalidIdRow, LinkageCandidate, ProblemRecord, ValidationIssue)
from webapp.services.intake import (importing as intake_import, mapping as intake_mapping, problems as intake_problems,
                                    runs as intake_runs, work as intake_work)

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)
ADULT = make_id("341721", date(1977, 3, 1), 11)
BARE = make_id("341721", date(1980, 1, 2), 13)
TWICE = make_id("341721", date(1970, 1, 1), 19)
REGISTER = ("户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码\r\n"
            f"1000010001,甲一,{ADULT},户主,东至县尧渡镇,正常,341721100001\r\n"
            f"1000010002,乙二,{BARE},户主,东至县尧渡镇,正常,341721100001\r\n"
            f"1000010003,丙三,{TWICE},户主,东至县尧渡镇,正常,341721100001\r\n"
            "1000010004,丁四,3.41721E+17,户主,东至县尧渡镇,正常,341721100001\r\n")
ENROLLMENT = ("身份证号,姓名,险种,参保状态\n"
              f"{ADULT},甲一,企业职工基本养老保险,正常参保\n{ADULT},甲一,职工医保,正常参保\n"
              f"{TWICE},丙三,城乡居民养老保险,正常参保\n{TWICE},丙三,企业职工养老保险,正常参保\n"
              f"{TWICE},丙三,新农合,正常参保\n")


def _files(tmp_path):
    register = tmp_path / "户籍.csv"
    register.write_bytes(REGISTER.encode("gbk"))
    enrollment = tmp_path / "参保.csv"
    enrollment.write_text(ENROLLMENT, encoding="utf-8-sig")
    return register, enrollment


def _import(path, source, **kwargs):
    outcome = intake_import.import_file(path, source, today=AS_OF, **kwargs)
    db.session.commit()
    return outcome


def test_every_encoding_and_xlsx_import(app, tmp_path):
    register, enrollment = _files(tmp_path)
    assert _import(register, "public_security").status == "imported"
    assert _import(enrollment, "social_insurance").status == "imported"
    workbook = Workbook()
    workbook.active.append(["身份证号码", "姓名", "参保日期"])
    workbook.active.append([float(BARE), "乙二", date(2017, 1, 1)])  # an Excel-mangled ID
    workbook.active.append([ADULT, "甲一", "2017/1/1"])
    health = tmp_path / "卫计.xlsx"
    workbook.save(health)
    outcome = _import(health, "health")
    assert outcome.status == "imported"
    batches = {b.source: b for b in ImportBatch.query}
    assert batches["public_security"].encoding == "gb18030"
    assert batches["social_insurance"].encoding == "utf-8-sig"
    assert batches["health"].file_format == "xlsx"
    assert batches["health"].invalid_ids == 1 and batches["public_security"].invalid_ids == 1
    report = ValidationIssue.query.filter_by(batch_id=batches["health"].id).one()
    assert (report.row_number, report.column_name, report.code, report.severity) == (2, "身份证号码", "excel_number",
                                                                                      "error")
    assert IntakeChunk.query.count() == 3


def test_same_file_twice_is_recognised(app, tmp_path):
    register, _ = _files(tmp_path)
    first = _import(register, "public_security")
    copy = tmp_path / "copy-under-another-name.csv"
    copy.write_bytes(register.read_bytes())
    second = _import(copy, "public_security")
    assert second.status == "duplicate" and second.batch.id == first.batch.id
    assert ImportBatch.query.count() == 1 and IntakeChunk.query.count() == 1


def test_rejected_file_leaves_nothing_but_its_report(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("身份证号,姓名\n" + "".join(f"12345{n},某某\n" for n in range(50)), encoding="utf-8")
    outcome = _import(bad, "health")
    assert outcome.status == "rejected" and "超过" in outcome.message
    assert IntakeChunk.query.count() == 0 and InvalidIdRow.query.count() == 0
    batch = ImportBatch.query.one()
    assert (batch.status, batch.active, batch.dedupe_key) == ("rejected", False, None)
    assert ValidationIssue.query.filter_by(batch_id=batch.id).count() == 50
    # Fixed, the file imports; the rejected attempt does not block it.
    bad.write_text(f"身份证号,姓名\n{ADULT},甲一\n", encoding="utf-8")
    assert _import(bad, "health").status == "imported"


def test_unreadable_file_is_rejected(app, tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 64)
    outcome = _import(xls, "health")
    assert outcome.status == "rejected" and "xls" in outcome.message
    assert IntakeChunk.query.count() == 0


def test_a_crash_mid_import_leaves_nothing(app, tmp_path, monkeypatch):
    register, _ = _files(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(intake_import, "_issue_rows", broken)
    with pytest.raises(RuntimeError):
        intake_import.import_file(register, "public_security", today=AS_OF)
    db.session.rollback()
    assert ImportBatch.query.count() == 0 and IntakeChunk.query.count() == 0


def test_unknown_headers_wait_for_a_saved_mapping(app, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text(f"人员编号,人员名称,险种\n{ADULT},甲一,职工医保\n", encoding="utf-8")
    outcome = _import(odd, "social_insurance")
    assert outcome.status == "needs_mapping" and outcome.missing_required == ["id_number", "name"]
    # The upload is listed, waiting, with nothing of its rows stored.
    waiting = ImportBatch.query.one()
    assert (waiting.status, waiting.active, IntakeChunk.query.count()) == ("needs_mapping", False, 0)
    assert waiting.pending["unknown_headers"] == ["人员编号", "人员名称"]
    intake_mapping.save_mapping("social_insurance", {"人员编号": "id_number", "人员名称": "name"})
    db.session.commit()
    assert HeaderMapping.query.count() == 2
    assert _import(odd, "social_insurance").status == "imported"
    assert ImportBatch.query.one().status == "imported"  # the same batch, continued


def _run(county_code="341721"):
    run = intake_runs.create_run(county_code, as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return run


def test_comparison_run_results_problems_links_and_diff(county, tmp_path):
    register, enrollment = _files(tmp_path)
    _import(register, "public_security")
    _import(enrollment, "social_insurance")
    run = _run()
    assert (run.status, run.stage, run.progress_done == run.progress_total) == ("done", "done", True)
    results = {r.id_number: r for r in ComparisonResult.query.filter_by(run_id=run.id)}
    assert results[ADULT].status == "confirmed"
    assert (results[BARE].status, results[BARE].missing, results[BARE].village_code) == (
        "uninsured", "pension;medical", "341721100001")
    assert (results[TWICE].status, results[TWICE].problems) == ("problem", "duplicate_pension")
    types = sorted(p.problem_type for p in ProblemRecord.query.filter_by(run_id=run.id))
    assert types == ["duplicate_pension", "invalid_id"]
    assert run.counts["uninsured"] == 1 and run.diff_counts == {}
    assert LinkageCandidate.query.filter_by(run_id=run.id).count() == 0  # no name/birth to go on

    # Problems become cases; uninsured households become registration cases.
    assert intake_problems.start_problem_cases(run.id) == 2
    assert intake_problems.start_problem_cases(run.id) == 0
    outcome = intake_work.start_registration_cases(run.id)
    db.session.commit()
    assert outcome["started"] == 1
    assert intake_work.start_registration_cases(run.id)["started"] == 0
    assert Case.query.filter_by(kind="problem").count() == 2
    assert intake_work.confirm_into_registry(run.id) == 1
    db.session.commit()

    # New enrollment data: the uninsured person is now insured; the next run says what changed.
    more = tmp_path / "more.csv"
    more.write_text(f"身份证号,姓名,险种\n{BARE},乙二,城乡居民养老保险\n{BARE},乙二,新农合\n", encoding="utf-8")
    _import(more, "social_insurance")
    second = _run()
    assert second.previous_run_id == run.id
    assert second.diff_counts == {"uninsured->confirmed": 1}
    change = ComparisonChange.query.filter_by(run_id=second.id).one()
    assert (change.id_number, change.before_status, change.after_status) == (BARE, "uninsured", "confirmed")
    # The problem already in a case keeps its case instead of getting a second one.
    carried = ProblemRecord.query.filter_by(run_id=second.id, problem_type="duplicate_pension").one()
    assert carried.case_id is not None and carried.status == "in_case"
    assert intake_problems.start_problem_cases(second.id) == 0


def test_running_twice_is_safe(app, tmp_path):
    register, enrollment = _files(tmp_path)
    _import(register, "public_security")
    run = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    first = intake_runs.run_comparison(run.id)
    run.status = "running"  # as if a worker died after finishing: run again from scratch
    db.session.commit()
    assert intake_runs.run_comparison(run.id) == first
    assert ComparisonResult.query.filter_by(run_id=run.id).count() == 3


@pytest.mark.parametrize("writer_process", [False, True], ids=["in-process", "writer-process"])
def test_generated_county_through_the_database_matches_the_answer_key(app, tmp_path, writer_process):
    # Big runs write their results from a second process; both ways must give the same answer.
    app.config["RESULT_WRITER_PROCESS_MIN_ROWS"] = 0 if writer_process else 10 ** 9
    folder = tmp_path / "county"
    summary = generate_county(folder, people=3000, seed=11, as_of=AS_OF, workers=1)
    for name, source in summary["sources"].items():
        assert _import(folder / name, source).status == "imported", name
    run = _run()
    expected, invalid, _ = load_answer_key(folder)
    got = {r.id_number: (r.status, tuple(filter(None, r.problems.split(";"))), tuple(filter(None, r.missing.split(";"))),
                         r.reason) for r in ComparisonResult.query.filter_by(run_id=run.id)}
    got = {k: (s, tuple(sorted(p)), m, reason) for k, (s, p, m, reason) in got.items()}
    assert got == expected
    by_type = defaultdict(int)
    for record in ProblemRecord.query.filter_by(run_id=run.id):
        by_type[record.problem_type] += 1
    assert by_type["invalid_id"] == len(invalid)
    assert LinkageCandidate.query.filter_by(run_id=run.id).count() > 0
    employers = {(e.source, e.name): (e.status, e.reason) for e in ComparisonEmployer.query.filter_by(run_id=run.id)}
    assert employers == load_employer_key(folder)
    assert run.counts["employers_uninsured"] == summary["employers"]["uninsured"] > 0
