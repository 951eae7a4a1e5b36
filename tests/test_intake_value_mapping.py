"""Department files worded their own way, through the web pages and a real worker, to an exact comparison.

The generated county's files each spell coded words their own way, use a word no
vocabulary lists, name a column in a way no synonym knows, carry columns the
product does not use, and end with a total row. The test maps what the product
asks about through the pages, as the uploader would, and the comparison must
then match the answer key exactly (precision and recall 1.0).
"""
import io
import re
import time
from datetime import date

import pytest

from webapp.extensions import db
from webapp.synthetic.answer_key import load_answer_key
from webapp.synthetic.generator import generate_county
from webapp.models import ComparisonResult, ImportBatch, Notification, ValueMapping
from webapp.services.intake import runs as intake_runs
from webapp.jobs import intake as intake_jobs


# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

AS_OF = date(2017, 6, 30)
# What the uploader knows about their own files: what each odd header and word means.
HEADER_MEANING = {"户内人员姓名": "name", "参保人证件号码": "id_number", "待遇享受标识": "benefit_status",
                  "备注": "", "经办机构": "", "户口性质": "hukou_type"}
VALUE_MEANING = {"在户正常": "normal", "参保有效": "active", "按月领取中": "paid"}


@pytest.fixture
def messy_county(tmp_path):
    folder = tmp_path / "county"
    summary = generate_county(folder, people=1200, seed=23, as_of=AS_OF, workers=1, unlisted_words=True,
                              odd_headers=True, total_rows=True)
    return folder, summary


def _upload(client, source, path):
    return client.post("/intake/upload", {"source": source, "file": (io.BytesIO(path.read_bytes()), path.name)},
                       token_from="/intake/", content_type="multipart/form-data")


def _map_as_the_uploader(client, batch_id):
    """Open the mapping page, answer every question on it from what the uploader knows, submit."""
    url = f"/intake/batches/{batch_id}/mapping"
    page = client.get(url).get_data(as_text=True)
    answers, asked = {}, []
    for header, name in re.findall(r'<tr data-header="([^"]+)" data-input="([^"]+)"', page):
        answers[name] = HEADER_MEANING[header]
        asked.append(header)
    for value, name in re.findall(r'<tr data-value="([^"]+)" data-input="([^"]+)"', page):
        assert f'<option value="{VALUE_MEANING[value]}">' in page  # the page offers the right code
        answers[name] = VALUE_MEANING[value]
        asked.append(value)
    assert asked, page[-2000:]
    response = client.post(url, answers, token_from=url)
    assert response.status_code == 302
    return asked


def _answer_key_matches(folder, run):
    expected, _, _ = load_answer_key(folder)
    got = {}
    for r in ComparisonResult.query.filter_by(run_id=run.id):
        problems = tuple(sorted(filter(None, r.problems.split(";"))))
        got[r.id_number] = (r.status, problems, tuple(filter(None, r.missing.split(";"))), r.reason)
    expected_items, got_items = set(expected.items()), set(got.items())
    right = len(expected_items & got_items)
    return right / len(got_items), right / len(expected_items)


def _run():
    run = intake_runs.create_run("341721", as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return run


def _check_batches_and_run(folder, summary):
    db.session.expire_all()
    batches = ImportBatch.query.order_by(ImportBatch.id).all()
    assert [b.status for b in batches] == ["imported"] * len(summary["sources"])
    register = next(b for b in batches if b.source == "public_security")
    assert "序号" in register.ignored_columns and register.notes[0]["text"].startswith("合计")
    assert register.rows_total == summary["files"]["public_security_household.csv"]  # the total row is not one
    assert {(m.field, m.value, m.code) for m in ValueMapping.query} >= {
        ("person_status", "在户正常", "normal"), ("enroll_status", "参保有效", "active"),
        ("benefit_status", "按月领取中", "paid")}
    precision, recall = _answer_key_matches(folder, _run())
    assert (precision, recall) == (1.0, 1.0)


def test_worded_files_through_the_pages_match_the_answer_key(county, client, messy_county):
    folder, summary = messy_county
    client.login("agency")
    asked = []
    for name, source in summary["sources"].items():
        response = _upload(client, source, folder / name)
        batch = ImportBatch.query.order_by(ImportBatch.id.desc()).first()
        if batch.status == "needs_mapping":
            assert response.headers["Location"].endswith(f"/intake/batches/{batch.id}/mapping")
        while batch.status == "needs_mapping":
            listing = client.get("/intake/").get_data(as_text=True)
            assert f'href="/intake/batches/{batch.id}/mapping">待映射' in listing
            asked += _map_as_the_uploader(client, batch.id)
            db.session.expire_all()
            batch = db.session.get(ImportBatch, batch.id)
        assert batch.status == "imported", (name, batch.reject_reason)
    assert set(VALUE_MEANING) <= set(asked) and {"户内人员姓名", "参保人证件号码", "待遇享受标识"} <= set(asked)
    page = client.get(f"/intake/batches/{ImportBatch.query.filter_by(source='public_security').one().id}")
    text = page.get_data(as_text=True)
    assert "未使用的列：序号" in text and "已跳过合计/小计行" in text and "合计 1200人" in text
    # The mapping is saved: the same source's next file goes straight in, and an identical file is named.
    response = _upload(client, "public_security", folder / "public_security_household.csv")
    first = ImportBatch.query.filter_by(source="public_security").one()
    assert response.headers["Location"].endswith(f"/intake/batches/{first.id}")
    assert f"第 {first.id} 批" in client.get(response.headers["Location"]).get_data(as_text=True)
    _check_batches_and_run(folder, summary)


def _wait_for(client, batch_id, timeout=120):
    """Poll the batch's status as its page does, until it is no longer importing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/intake/batches/{batch_id}/status.json").json
        if state["state"] != "importing":
            return state
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} still importing")


def test_worded_files_through_a_worker_match_the_answer_key(county, client, messy_county, workers):
    folder, summary = messy_county
    workers.start("intake", "--no-scheduler")
    county.config["INTAKE_INLINE"] = False  # uploads are jobs, as in production
    client.login("agency")
    for name, source in summary["sources"].items():
        response = _upload(client, source, folder / name)
        batch = ImportBatch.query.order_by(ImportBatch.id.desc()).first()
        # The upload is in the list at once, and its page polls a JSON status from a static script.
        assert response.headers["Location"].endswith(f"/intake/batches/{batch.id}")
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "intake_live.js" in page and "<script>" not in page
        state = _wait_for(client, batch.id)
        while state["state"] == "needs_mapping":
            assert state["mapping_url"].endswith(f"/intake/batches/{batch.id}/mapping")
            note = Notification.query.filter_by(kind="intake_mapping").order_by(Notification.id.desc()).first()
            assert note.detail["batch_id"] == batch.id and note.user.username == "agency"
            listed = client.get("/notifications/").get_data(as_text=True)
            assert f"文件“{name}”需要确认列或值的对应关系" in listed
            opened = client.post(f"/notifications/{note.id}/open", token_from="/notifications/")
            assert opened.headers["Location"].endswith(state["mapping_url"])
            _map_as_the_uploader(client, batch.id)
            state = _wait_for(client, batch.id)
        assert state["state"] == "imported", (name, workers.logs())
    done = Notification.query.filter_by(kind="intake_done").count()
    assert done == len(summary["sources"])
    _check_batches_and_run(folder, summary)


def test_an_import_job_that_dies_leaves_its_batch_saying_so(county, workers, tmp_path):
    from webapp.queues import enqueue
    from webapp.services.intake import importing as intake_import

    path = tmp_path / "gone.csv"
    path.write_text("身份证号,姓名,险种\n", encoding="utf-8")
    batch = intake_import.start_batch("health", path, "gone.csv", "341721", upload_token="gone.csv")
    db.session.commit()
    path.unlink()  # the stored upload is lost before the worker gets to it
    workers.start("intake", "--no-scheduler")
    enqueue("intake", intake_jobs.import_file, str(path), "health", None, "gone.csv", None, batch.id)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        db.session.expire_all()
        if db.session.get(ImportBatch, batch.id).status != "importing":
            break
        time.sleep(0.2)
    failed = db.session.get(ImportBatch, batch.id)
    assert failed.status == "rejected" and "导入出错" in failed.reject_reason, workers.logs()
