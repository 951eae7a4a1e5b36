"""The second process that writes a big comparison run's results: failures are never silent."""
from datetime import date

import pytest

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ComparisonResult, ComparisonRun
from webapp.services.intake import importing as intake_import, runs as intake_runs
from webapp.infra.result_writer import ResultWriter, ResultWriterFailed

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)


def _url():
    return db.engine.url.render_as_string(hide_password=False)


def _register(tmp_path, people=60):
    lines = ["户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码"]
    for n in range(people):
        lines.append(f"10000{n:05d},某{n},{make_id('341721', date(1970, 1, 1), 100 + n)},户主,东至县尧渡镇,正常,"
                     "341721100001")
    path = tmp_path / "register.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert intake_import.import_file(path, "public_security", today=AS_OF).status == "imported"
    db.session.commit()


def test_rows_sent_are_committed_by_the_child(app):
    run = ComparisonRun(status="running", county_code="341721", as_of=AS_OF, batch_ids=[])
    db.session.add(run)
    db.session.commit()
    columns = ["run_id", "id_number", "status", "problems", "missing", "in_register", "non_local",
               "insured_elsewhere", "schemes", "county_code"]
    writer = ResultWriter(_url(), "comparison_result", columns)
    writer.send([(run.id, f"34172119700101{n:04d}", "confirmed", "", "", True, False, False, 3, "341721")
                 for n in range(30)])
    writer.send([(run.id, f"34172119800101{n:04d}", "uninsured", "", "medical", True, False, False, 1, "341721")
                 for n in range(20)])
    seen = []
    assert writer.finish(lambda written, sent: seen.append((written, sent))) == 50
    assert seen == [(30, 50), (50, 50)]
    assert ComparisonResult.query.filter_by(run_id=run.id).count() == 50
    assert ComparisonResult.query.filter_by(run_id=run.id, status="uninsured").count() == 20


def test_a_failure_in_the_child_comes_back_with_its_traceback(app):
    writer = ResultWriter(_url(), "no_such_table", ["id"])
    writer.send([(1,)])
    with pytest.raises(ResultWriterFailed, match="no_such_table"):
        writer.finish()


def test_a_killed_child_is_reported(app):
    writer = ResultWriter(_url(), "comparison_result", ["run_id"])
    writer._process.kill()
    with pytest.raises(ResultWriterFailed, match="意外退出"):
        writer.finish()


def test_writer_killed_mid_run_fails_the_run_and_a_rerun_completes(app, tmp_path, monkeypatch):
    _register(tmp_path)
    app.config["RESULT_WRITER_PROCESS_MIN_ROWS"] = 0
    original_send = ResultWriter.send

    def send_then_die(self, rows):
        original_send(self, rows)
        self._process.kill()  # as if the machine killed the writer with rows still to write

    monkeypatch.setattr(ResultWriter, "send", send_then_die)
    run = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    with pytest.raises(ResultWriterFailed):
        intake_runs.run_comparison(run.id)
    db.session.refresh(run)
    assert run.status == "failed" and "结果写入进程意外退出" in run.error

    monkeypatch.setattr(ResultWriter, "send", original_send)
    counts = intake_runs.run_comparison(run.id)
    db.session.refresh(run)
    assert run.status == "done" and counts["uninsured"] == 60
    assert ComparisonResult.query.filter_by(run_id=run.id).count() == 60
