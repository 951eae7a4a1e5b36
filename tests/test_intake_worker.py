"""A big comparison run in a real worker process: its result writer is a real child process too."""
import pytest
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ComparisonResult, ComparisonRun
from webapp.queues import enqueue
from webapp.services.intake import importing as intake_import, runs as intake_runs
from webapp.jobs import intake as intake_jobs

from .worker_fixtures import descendants, wait_until

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)


def test_worker_runs_a_comparison_through_the_result_writer(app, tmp_path, workers, redis_server):
    lines = ["户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码"]
    lines += [f"20000{n:05d},某{n},{make_id('341721', date(1960, 1, 1), 200 + n)},户主,东至县尧渡镇,正常,341721100001"
              for n in range(300)]
    register = tmp_path / "register.csv"
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert intake_import.import_file(register, "public_security", today=AS_OF).status == "imported"
    run = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()

    workers.env["RESULT_WRITER_PROCESS_MIN_ROWS"] = "0"  # this small run takes the big runs' path
    worker = workers.start("intake", "--no-scheduler")
    enqueue("intake", intake_jobs.run_comparison, run.id)

    def finished():
        db.session.expire_all()
        return db.session.get(ComparisonRun, run.id).status in ("done", "failed") or None

    wait_until(finished, message="the comparison job", on_timeout=workers.logs)
    db.session.expire_all()
    done = db.session.get(ComparisonRun, run.id)
    assert done.status == "done", done.error
    assert ComparisonResult.query.filter_by(run_id=run.id, status="uninsured").count() == 300
    assert "writing comparison_result rows from process" in workers.logs()
    # The writer has exited: nothing of the run is left running beside the idle worker.
    leftovers = [pid for pid in descendants(worker.pid) if "result_writer" in _command_line(pid)]
    assert leftovers == []


def _command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as handle:
            return handle.read()
    except FileNotFoundError:  # exited between listing and reading
        return ""
