"""Threaded workers (gunicorn ``-k gthread``): many requests at once on cold caches stay correct.

Each thread has its own app context, so its own session and connection, as a threaded server
gives each request. The caches of parsed diagrams and current versions are shared by every
thread of the process; they are emptied first so that all threads need them at the same moment.
"""
import threading

from webapp.engine import diagrams
from webapp.extensions import db
from webapp.models import Area, Case, Household, InboxTask
from webapp.services.casework import cases
from webapp.services.casework.inbox import InboxFilter, list_tasks

from .helpers import case_at_visit, task_ids_on, user

THREADS = 16


def _cold_caches():
    diagrams.spec_cache.clear()
    with diagrams._current_lock:
        diagrams._current_ids.clear()


def _in_threads(app, work, count=THREADS):
    """Run ``work(slot)`` in ``count`` threads released together; return {slot: result or error}."""
    results, barrier = {}, threading.Barrier(count)

    def run(slot):
        with app.app_context():
            try:
                barrier.wait()
                results[slot] = work(slot)
            except Exception as err:  # noqa: BLE001 - the test reports every thread's failure
                db.session.rollback()
                results[slot] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_sixteen_threads_start_cases_on_cold_caches_parse_once(county):
    township = Area.query.filter_by(level="township").order_by(Area.code).first()
    township_code = township.code
    before = Case.query.count()
    _cold_caches()

    def start(slot):
        household = Household(household_number=f"T{slot:08d}", head_name=f"线程{slot}",
                              county_code=township_code[:6], township_code=township_code)
        db.session.add(household)
        db.session.flush()
        case = cases.start_registration_case(household)
        db.session.commit()
        staff = user("township")
        rows, _ = list_tasks(staff, InboxFilter(view="team"), per_page=200)
        mine, _ = list_tasks(staff, InboxFilter(view="mine"), per_page=200)
        return case.id, {row.case_id for row in rows + mine}

    results = _in_threads(county, start)
    failures = {slot: repr(result) for slot, result in results.items() if isinstance(result, Exception)}
    assert not failures
    assert len(results) == THREADS
    for case_id, listed in results.values():
        assert case_id in listed  # the new case's task is in the township's lists at once
        assert InboxTask.query.filter_by(case_id=case_id, task_name="assign_household", state="ready").count() == 1
    assert Case.query.count() == before + THREADS
    assert diagrams.spec_cache.parses == 1  # one parse of the version, not one per thread


def test_sixteen_threaded_requests_never_see_an_empty_inbox(county, make_client):
    case = case_at_visit()
    expected = {row.id for row in InboxTask.query.filter_by(assignee_id=user("village1").id, state="ready")}
    assert expected
    clients = []
    for _ in range(THREADS):
        client = make_client()
        client.login("village1")
        clients.append(client)
    task_page = f"/inbox/tasks/{min(expected)}"
    _cold_caches()

    def browse(slot):
        client = clients[slot]
        seen = []
        for _ in range(3):
            seen.append(set(task_ids_on(client.get("/inbox").get_data(as_text=True))))
            response = client.get(task_page)
            assert response.status_code == 200, response.status_code
        return seen

    results = _in_threads(county, browse)
    failures = {slot: repr(result) for slot, result in results.items() if isinstance(result, Exception)}
    assert not failures
    for seen in results.values():
        assert all(ids == expected for ids in seen), (seen, expected)
    assert case.id
