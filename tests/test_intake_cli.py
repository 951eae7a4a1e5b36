"""Commands for county IT, end to end: ``flask intake run``, ``results`` and ``compare-dir``."""
import pytest
import csv
import os
import re
import shutil
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.synthetic.generator import generate_county
from webapp.models import AuditEvent, ComparisonRun
from webapp.services.intake import importing as intake_import

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

ADULT = make_id("341721", date(1977, 3, 1), 11)
TEEN = make_id("341721", date(2001, 6, 20), 15)  # turns 16 on 2017-06-20
REGISTER = ("户号,姓名,公民身份号码,户籍地址,人员状态,村(社区)代码\r\n"
            f"1000010001,甲一,{ADULT},东至县尧渡镇,正常,341721100001\r\n"
            f"1000010002,少年,{TEEN},东至县尧渡镇,正常,341721100001\r\n")
ENROLLMENT = f"身份证号,姓名,险种\n{ADULT},甲一,企业职工基本养老保险\n{ADULT},甲一,职工医保\n{TEEN},少年,新农合\n"


def _import_files(tmp_path):
    for name, source, text in (("户籍.csv", "public_security", REGISTER), ("参保.csv", "social_insurance", ENROLLMENT)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert intake_import.import_file(path, source).status == "imported"
    db.session.commit()


def test_run_and_results_commands(app, runner, tmp_path):
    empty = runner.invoke(args=["intake", "run"])
    assert empty.exit_code == 1 and "没有可用的导入数据" in empty.output
    _import_files(tmp_path)
    bad = runner.invoke(args=["intake", "run", "--as-of", "2017-06-31"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output

    before = runner.invoke(args=["intake", "run", "--as-of", "2017-06-19"])
    assert before.exit_code == 0, before.output
    assert "基准日 2017-06-19" in before.output and "参保.csv" in before.output
    assert re.search(r"逐人比对 \d+/\d+", before.output) and "完成" in before.output  # progress lines
    after = runner.invoke(args=["intake", "run", "--as-of", "2017-06-20"])
    first, second = ComparisonRun.query.order_by(ComparisonRun.id).all()
    assert (first.as_of, second.as_of, first.status) == (date(2017, 6, 19), date(2017, 6, 20), "done")
    assert '"uninsured": 0' in before.output and '"uninsured": 1' in after.output

    out = tmp_path / "结果.csv"
    written = runner.invoke(args=["intake", "results", str(second.id), "--out", str(out)])
    assert written.exit_code == 0, written.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = {row["公民身份号码"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {ADULT, TEEN}  # full ID numbers
    assert (rows[TEEN]["结果"], rows[TEEN]["缺项"], rows[ADULT]["结果"]) == ("未参保", "养老保险", "已确认")
    assert os.stat(out).st_mode & 0o077 == 0  # readable by the operator only
    event = AuditEvent.query.filter_by(action="export_full_ids").one()
    assert event.object_id == str(second.id) and "2 行" in event.detail

    only = runner.invoke(args=["intake", "results", str(second.id), "--out", str(out), "--status", "uninsured"])
    assert only.exit_code == 0 and "1 行" in only.output
    missing = runner.invoke(args=["intake", "results", "999", "--out", str(out)])
    assert missing.exit_code == 1 and "不存在或尚未完成" in missing.output


def test_compare_dir_works_on_any_folder_of_department_files(app, runner, tmp_path):
    generated = tmp_path / "county"
    summary = generate_county(generated, people=1200, seed=3, as_of=date(2017, 6, 30), workers=1)
    scored = runner.invoke(args=["intake", "compare-dir", str(generated)])
    assert scored.exit_code == 0, scored.output
    assert "与答案不符 0 人" in scored.output
    assert re.search(r"uninsured: precision 1\.0000 recall 1\.0000", scored.output)
    assert re.search(r"invalid_id_rows: precision 1\.0000 recall 1\.0000", scored.output)

    # The same department files alone, in a folder the generator did not make: no answer key.
    folder = tmp_path / "部门数据"
    folder.mkdir()
    for name in summary["sources"]:
        shutil.copy(generated / name, folder / name)
    (folder / "说明.csv").write_text("编号,备注\n1,无\n", encoding="utf-8")
    unplaced = runner.invoke(args=["intake", "compare-dir", str(folder), "--as-of", "2017-06-30"])
    assert unplaced.exit_code == 3 and "说明.csv" in unplaced.output and "--source" in unplaced.output
    (folder / "说明.csv").unlink()
    plain = runner.invoke(args=["intake", "compare-dir", str(folder), "--as-of", "2017-06-30"])
    assert plain.exit_code == 0, plain.output
    for name, source in summary["sources"].items():
        assert re.search(re.escape(name) + ": ", plain.output), name
    assert "precision" not in plain.output
    counts = lambda output: next(line for line in output.splitlines() if line.startswith('{"confirmed"'))  # noqa
    assert counts(plain.output) == counts(scored.output)
