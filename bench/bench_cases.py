"""Case starts per second (ours vs raw SpiffWorkflow) and the "my tasks" query with 100,000 tasks.

The yardstick is raw SpiffWorkflow (create, run to the first user task, serialize) running the
diagram our starts run: the deployed one. The shipped files hold each user task's deadline and
reminder as two properties, which deploying expands into non-interrupting boundary timers, each
with a service task and an end (engine/expand.py, since f5364d5). When the issue's target was set
(34f86b0) the shipped files had those timers drawn in (``git show 34f86b0:bpmn/door_to_door_visit.bpmn``):
raw SpiffWorkflow then ran what the deployed diagram holds now. The ratio against the shipped file
as it is now (fewer tasks for raw to run) is printed beside it. On any database also: raw plus the
least persistence any system that keeps its state pays (the state as one row, INSERT + COMMIT per
case, on the same database): a durable commit costs a disk flush the in-memory figure never pays.
Each raw figure is the mean of a run before ours and one after (the machine is shared and noisy).

    .venv/bin/python bench/bench_cases.py                    # SQLite (embedded default)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_cases.py
    BENCH_TASKS=0 ...     # the starts only, without the 100,000-task inbox queries
"""
import os
import sys
import time
import uuid
from datetime import date

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import backend_name, scratch_app, timed  # noqa: E402
from webapp import areacodes  # noqa: E402

CASES = int(os.environ.get("BENCH_CASES", "500"))
OPEN_TASKS = int(os.environ.get("BENCH_TASKS", "100000"))


def shipped_specs(bpmn_dir):
    """The registration diagram's specs parsed from the shipped files as they are (no expansion)."""
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    parser = SpiffBpmnParser()
    parser.add_bpmn_files([os.path.join(bpmn_dir, f) for f in os.listdir(bpmn_dir) if f.endswith(".bpmn")])
    return parser.get_spec("registration_case"), parser.get_subprocess_specs("registration_case")


FILED_AT = "34f86b0"  # the commit at which the issue was filed


def filed_specs(bpmn_dir):
    """The registration diagram's specs parsed from the files shipped at FILED_AT (read from git),
    or None outside a git checkout that has that commit."""
    import subprocess
    import tempfile

    repo = os.path.dirname(os.path.abspath(bpmn_dir))
    try:
        names = subprocess.run(["git", "-C", repo, "ls-tree", "--name-only", f"{FILED_AT}:bpmn"], check=True,
                               capture_output=True, text=True).stdout.split()
        with tempfile.TemporaryDirectory() as folder:
            for name in names:
                if name.endswith(".bpmn"):
                    text = subprocess.run(["git", "-C", repo, "show", f"{FILED_AT}:bpmn/{name}"], check=True,
                                          capture_output=True).stdout
                    with open(os.path.join(folder, name), "wb") as out:
                        out.write(text)
            return shipped_specs(folder)
    except (OSError, subprocess.CalledProcessError):
        return None


def raw_serializer():
    """SpiffWorkflow's own JSON serializer, configured as its documentation shows."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def raw_start(specs, serializer):
    """One raw SpiffWorkflow start on ``specs`` ((spec, subprocess specs)): create, run to the
    first user task, serialize; the serialized state."""
    from SpiffWorkflow.bpmn import BpmnWorkflow

    spec, subprocess_specs = specs
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    return serializer.serialize_json(workflow)


def raw_spiff_rate(specs, count, label):
    """Create + run to the first user task + serialize, with SpiffWorkflow alone, on ``specs``
    ((spec, subprocess specs): the deployed diagram's or the shipped file's)."""
    serializer = raw_serializer()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        raw_start(specs, serializer)
    CPU_MS[label] = (time.process_time() - cpu) * 1000 / count
    return count / (time.perf_counter() - start)


def deployed_app(label):
    """A scratch app (bench/common.py; PostgreSQL is WIPED) with the county's areas and the shipped
    diagrams deployed."""
    app = scratch_app(label)
    from webapp.cli import deploy_shipped_diagrams
    from webapp.extensions import db
    from webapp.services import areas

    with app.app_context():
        areas.load_rows(areas.generate_county())
        deploy_shipped_diagrams()
        db.session.commit()
    return app


def deployed_specs(app):
    """The parsed specs of the deployed registration diagram: what our starts run."""
    from webapp.engine.diagrams import current_version, spec_cache

    with app.app_context():
        return spec_cache.get(current_version("registration_case"))


CPU_MS = {}  # label -> CPU milliseconds per start of the last run (this process only: not the database's)


def raw_persisted_rate(app, specs, count, label):
    """Raw SpiffWorkflow plus the least any system that keeps its state must do: create, run to the
    first user task, serialize, and write the serialized state as one row, one INSERT and COMMIT per
    case, on the bench database (a table of its own: an id and the state)."""
    from sqlalchemy import Column, Integer, MetaData, Table, Text, insert

    from webapp.extensions import db

    serializer = raw_serializer()
    table = Table("bench_raw_state", MetaData(), Column("id", Integer, primary_key=True),
                  Column("state", Text, nullable=False))
    statement = insert(table)
    with app.app_context():
        engine = db.engine
        table.create(engine, checkfirst=True)
        with engine.connect() as connection:
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(count):
                connection.execute(statement, {"state": raw_start(specs, serializer)})
                connection.commit()
            CPU_MS[label] = (time.process_time() - cpu) * 1000 / count
            elapsed = time.perf_counter() - start
        table.drop(engine)
    return count / elapsed


def commit_floor_ms(app, count=100):
    """Wall milliseconds of one single-row INSERT and COMMIT on the bench database: the floor of a
    durable one-transaction-per-case start (the disk's flush), which raw SpiffWorkflow never pays."""
    from webapp.extensions import db
    from webapp.models import ProgressDaily

    with app.app_context():
        table = ProgressDaily.__table__
        start = time.perf_counter()
        for index in range(count):
            db.session.execute(table.insert().values(county_code="999999", township_code=f"{index:09d}",
                                                     day=date(2000, 1, 1), measure="probe", value=1))
            db.session.commit()
        elapsed = time.perf_counter() - start
        db.session.execute(table.delete().where(table.c.county_code == "999999"))
        db.session.commit()
    return elapsed * 1000 / count


def new_households(app, count):
    """``count`` new households in the county's first township, committed; their ids (the
    session emptied, so each start loads its household as a request would)."""
    from webapp.extensions import db
    from webapp.models import Area, Household

    with app.app_context():
        township = Area.query.filter_by(level="township").order_by(Area.code).first()
        households = [Household(household_number=f"B{uuid.uuid4().hex[:12]}", head_name="测试户",
                                county_code="341721", township_code=township.code, address="测试地址")
                      for _ in range(count)]
        db.session.add_all(households)
        db.session.commit()
        ids = [h.id for h in households]
        db.session.expunge_all()
        return ids


def our_start(ids):
    """Start the registration cases of the households ``ids`` through the app, in one transaction
    (load the households, start each case, commit). Needs an app context."""
    from webapp.extensions import db
    from webapp.models import Household
    from webapp.services.casework import cases

    for household in Household.query.filter(Household.id.in_(ids)).all():
        cases.start_registration_case(household)
    db.session.commit()


def our_rate(app, count, commit_every=1):
    """Start registration cases through the app, persisted with inbox rows.

    ``commit_every=1`` is the interactive path (one transaction per case); a bulk job commits
    in batches.
    """
    ids = new_households(app, count)
    with app.app_context():
        start, cpu = time.perf_counter(), time.process_time()
        for position in range(0, len(ids), commit_every):
            our_start(ids[position:position + commit_every])
        CPU_MS[commit_every] = (time.process_time() - cpu) * 1000 / count
        return count / (time.perf_counter() - start)


def load_open_tasks(app, total):
    """Bulk-insert ``total`` open inbox tasks (with their cases) spread over users and areas."""
    from sqlalchemy import insert

    from webapp.extensions import db
    from webapp.models import Area, Case, InboxTask, ProcessInstance, User
    from webapp.models.base import utcnow

    with app.app_context():
        instance_id = ProcessInstance.query.first().id
        villages = Area.query.filter_by(level="village").all()
        village_users = [User(username=f"bench_v{i}", display_name=f"协理员{i}", role="village",
                              area=villages[i % len(villages)], password_hash="x") for i in range(250)]
        db.session.add_all(village_users)
        db.session.commit()
        now = utcnow()
        batch = 10000
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            case_rows = [{"kind": "registration", "title": f"批量户 {offset + i}", "county_code": "341721",
                          "status": "open", "created_at": now,
                          "township_code": areacodes.township_of(villages[(offset + i) % len(villages)].code),
                          "village_code": villages[(offset + i) % len(villages)].code} for i in range(size)]
            db.session.execute(insert(Case), case_rows)
            first_id = db.session.query(db.func.max(Case.id)).scalar() - size + 1
            task_rows = []
            for i in range(size):
                n = offset + i
                visitor = village_users[n % len(village_users)]
                # Every tenth task waits in a township's team pool for distribution.
                pooled = n % 10 == 0
                task_rows.append({
                    "case_id": first_id + i, "instance_id": instance_id, "task_uuid": str(uuid.uuid4()),
                    "task_name": "assign_household" if pooled else "visit_household",
                    "title": "分配责任人" if pooled else "入户调查",
                    "process_id": "distribution" if pooled else "door_to_door_visit",
                    "lane": "township" if pooled else "village", "county_code": "341721",
                    "township_code": case_rows[i]["township_code"], "village_code": case_rows[i]["village_code"],
                    "assignee_id": None if pooled else visitor.id, "state": "ready", "overdue": False,
                    "due_at": now.replace(microsecond=0) + (n % 20 - 5) * (now - now.replace(hour=0)) / 5,
                    "created_at": now})
            db.session.execute(insert(InboxTask), task_rows)
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
        else:
            db.session.execute(db.text("ANALYZE"))
        township_user = User(username="bench_t", display_name="乡镇", role="township", password_hash="x",
                             area=Area.query.filter_by(code=areacodes.township_of(villages[7].code)).one())
        db.session.add(township_user)
        db.session.commit()
        return village_users[7].id, township_user.id


def inbox_query_ms(app, user_id, township_user_id):
    """Median ms of the inbox page (list + total + tab counts): a visitor's own tasks, a township's pool."""
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services.casework import inbox

    with app.app_context():
        results = {}
        for label, view, uid in (("visitor: my tasks", "mine", user_id),
                                 ("township: team's unclaimed", "team", township_user_id)):
            user = db.session.get(User, uid)

            def page():
                rows, total = inbox.list_tasks(user, inbox.InboxFilter(view=view), 1, 20)
                counts = inbox.counts(user)
                db.session.expunge_all()
                return total, counts
            seconds, (total, counts) = timed(page, repeat=21)
            results[label] = (seconds * 1000, total)
        user = db.session.get(User, user_id)
        overdue, _ = timed(lambda: inbox.list_tasks(user, inbox.InboxFilter(view="mine", due="overdue"), 1, 20),
                           repeat=21)
        results["visitor: overdue filter"] = (overdue * 1000, None)
        return results


def _paired(measure, label):
    """(rate, CPU ms) of ``measure()``: the mean of the run before ours and the one after."""
    rates, cpus = [], []

    def run():
        rates.append(measure())
        cpus.append(CPU_MS[label])
    return run, lambda: (sum(rates) / len(rates), sum(cpus) / len(cpus), rates)


def main():
    app = deployed_app("cases")
    backend = backend_name(app)
    deployed, shipped = deployed_specs(app), shipped_specs(app.config["BPMN_DIR"])
    filed = filed_specs(app.config["BPMN_DIR"])
    baselines = {
        "deployed": _paired(lambda: raw_spiff_rate(deployed, CASES, "deployed"), "deployed"),
        "shipped": _paired(lambda: raw_spiff_rate(shipped, CASES, "shipped"), "shipped"),
        **({"filed": _paired(lambda: raw_spiff_rate(filed, CASES, "filed"), "filed")} if filed else {}),
        "deployed+row": _paired(lambda: raw_persisted_rate(app, deployed, CASES, "deployed+row"), "deployed+row"),
    }
    raw_spiff_rate(deployed, 20, "deployed")  # warm-up
    raw_spiff_rate(shipped, 20, "shipped")
    raw_persisted_rate(app, deployed, 20, "deployed+row")
    if filed:
        raw_spiff_rate(filed, 20, "filed")
    for run, _result in baselines.values():
        run()
    ours = our_rate(app, CASES)
    ours_bulk = our_rate(app, CASES, commit_every=100)
    for run, _result in baselines.values():
        run()
    raw = {label: result() for label, (_run, result) in baselines.items()}
    print(f"backend: {backend} (load average {os.getloadavg()[0]:.1f}); {CASES} starts per run")
    print(f"our case start, one transaction per case: {ours:.1f} /s, CPU {CPU_MS[1]:.2f} ms a start in this process")
    rate = raw["deployed"][0]

    def ratios(label, after=""):
        """Ours to raw ``label``: the ratio of starts per second (``after`` behind it), then of CPU."""
        raw_rate, raw_cpu, _runs = raw[label]
        return f"{ours / raw_rate:.2f}{after}, CPU ratio {raw_cpu / CPU_MS[1]:.2f}"

    print(f"  HEADLINE ratio to raw SpiffWorkflow on the deployed diagram: {ratios('deployed', ' (target >= 0.5)')}")
    print(f"  beside it, ratio to raw on the shipped file as it is now: {ratios('shipped')}")
    if filed:
        print(f"  check: ratio to raw on the files shipped when the issue was filed ({FILED_AT}, timers drawn in): "
              f"{ratios('filed')}")
    print(f"  ratio to raw on the deployed diagram + its state as one row (INSERT + COMMIT per case): "
          f"{ratios('deployed+row')}")
    print(f"our case start, bulk job (commit per 100): {ours_bulk:.1f} /s, CPU {CPU_MS[100]:.2f} ms; "
          f"ratio to raw on the deployed diagram {ours_bulk / rate:.2f}")
    for label, text in (("deployed", "raw SpiffWorkflow, deployed diagram (what ours runs)"),
                        ("shipped", "raw SpiffWorkflow, shipped file as it is"),
                        ("filed", f"raw SpiffWorkflow, files shipped at {FILED_AT}"),
                        ("deployed+row", "raw, deployed diagram + one INSERT and COMMIT")):
        if label not in raw:
            continue
        rate, cpu, runs = raw[label]
        print(f"  {text}: {rate:.1f} /s (before ours {runs[0]:.1f}, after {runs[1]:.1f}), CPU {cpu:.2f} ms a start")
    print("  why the deployed diagram: each user task's deadline and reminder properties become two boundary\n"
          "  timers (each with a service task and an end) on deploy; at the issue's filing (34f86b0) the shipped\n"
          "  files had them drawn in, so raw on the deployed diagram is the like-for-like yardstick.")
    print(f"one single-row INSERT + COMMIT on this database: {commit_floor_ms(app):.2f} ms wall "
          "(the durable commit each interactive start pays)")
    if not OPEN_TASKS:
        return
    start = time.perf_counter()
    user_id, township_user_id = load_open_tasks(app, OPEN_TASKS)
    print(f"loaded {OPEN_TASKS:,} open tasks in {time.perf_counter() - start:.1f} s")
    for view, (ms, total) in inbox_query_ms(app, user_id, township_user_id).items():
        extra = f" ({total:,} matching)" if total is not None else ""
        print(f"inbox {view}: {ms:6.2f} ms median{extra} (target <= 50 ms)")


if __name__ == "__main__":
    main()
