"""The dashboard's figures are kept as work happens and equal a fresh count of the database."""
from datetime import datetime, timedelta, timezone

import pytest

from webapp import clock
from webapp.extensions import db
from webapp.models import Area
from webapp.services.campaign import dashboard, progress
from webapp.services.casework import timers

from .dashboard_support import do_random_work, fresh_counts
from .helpers import user

MEASURES = progress.MEASURES


def _kept_by_village(township):
    rows = dashboard.breakdown(township)
    return {r["code"]: {m: r[m] for m in MEASURES} for r in rows}


def _as_table(counts):
    return {code: {m: figures.get(m, 0) for m in MEASURES} for code, figures in counts.items()
            if any(figures.values())}


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_figures_equal_a_fresh_count_after_random_work(county, seed):
    do_random_work(20, seed)
    clock.set_now(datetime.now(timezone.utc) + timedelta(days=30))  # every open task is late now
    try:
        timers.escalate_overdue()
        db.session.commit()
        do_random_work(2, seed + 100)  # some overdue work gets done late
    finally:
        clock.set_now(None)
    township = Area.query.filter_by(code=user("township").area.code).one()
    kept = {code: figures for code, figures in _kept_by_village(township).items() if any(figures.values())}
    assert kept == _as_table(fresh_counts("village_code"))
    county_area = dashboard.area_for(user("county"))
    by_township = {r["code"]: {m: r[m] for m in MEASURES} for r in dashboard.breakdown(county_area)}
    assert {c: f for c, f in by_township.items() if any(f.values())} == _as_table(fresh_counts("township_code"))
    total = dashboard.totals(county_area)
    assert total["target"] >= total["distributed"] >= total["visited"] >= total["registered"]
    assert total["visited"] > 0 and total["overdue"] > 0


def test_dashboard_pages_are_scoped(county, make_client):
    township_code = user("township").area.code
    other = Area.query.filter(Area.level == "township", Area.code != township_code).first()
    village = user("village1").area
    county_client, township_client, village_client = make_client(), make_client(), make_client()
    county_client.login("county")
    township_client.login("township")
    village_client.login("village1")
    assert county_client.get("/dashboard/").status_code == 200
    assert county_client.get(f"/dashboard/?area={other.code}").status_code == 200
    assert township_client.get(f"/dashboard/?area={other.code}").status_code == 404
    village_page = township_client.get(f"/dashboard/?area={village.code}")
    assert village_page.status_code == 200 and "未分配村(社区)" not in village_page.get_data(as_text=True)
    assert township_client.get(f"/dashboard/village/{village.code}/households").status_code == 200
    assert village_client.get("/dashboard/").status_code == 403
    page = township_client.get("/dashboard/").get_data(as_text=True)
    assert 'id="breakdown-table"' in page and f'data-area="{village.code}"' in page
    data = township_client.get(f"/dashboard/data.json?area={township_code}").get_json()
    assert data["funnel"]["values"][0] == dashboard.totals(Area.query.filter_by(code=township_code).one())["target"]


def test_every_table_exports_to_excel(county, client):
    from io import BytesIO

    from openpyxl import load_workbook

    client.login("county")
    township_code = user("township").area.code
    for table in ("funnel", "breakdown", "coverage", "daily"):
        response = client.get(f"/dashboard/export/{table}.xlsx?area={township_code}")
        assert response.status_code == 200, table
        sheet = load_workbook(BytesIO(response.data)).active
        assert sheet.max_row >= 1
    funnel = load_workbook(BytesIO(client.get(f"/dashboard/export/funnel.xlsx?area={township_code}").data)).active
    assert [row[1].value for row in funnel.iter_rows(min_row=2)][0] == 6  # the six demo households


def test_english_dashboard_has_no_chinese_labels(county, client):
    import re

    client.login("county")
    client.post("/language/en", {}, token_from="/dashboard/")
    names = sorted({a.name for a in Area.query.all()}, key=len, reverse=True)
    for url in ("/dashboard/", f"/dashboard/?area={user('township').area.code}", "/dashboard/bulletins",
                "/dashboard/leaders"):
        body = client.get(url).get_data(as_text=True).split("<main", 1)[-1]
        text = re.sub(r"<[^>]+>", " ", body)
        for name in names:  # area names are data, not labels
            text = text.replace(name, " ")
        assert not re.search(r"[\u4e00-\u9fff]", text), (url, re.findall(r"[\u4e00-\u9fff]+", text)[:10])


def _baseline_run():
    """A finished comparison run over the demo people: odd ones miss pension, every third medical."""
    from webapp.models import ComparisonResult, ComparisonRun, Person
    from datetime import date

    run = ComparisonRun(status="done", county_code="341721", as_of=date.today(), batch_ids=[])
    db.session.add(run)
    db.session.flush()
    for index, person in enumerate(Person.query.order_by(Person.id)):
        missing = [item for item, flag in (("pension", index % 2), ("medical", index % 3 == 0)) if flag]
        db.session.add(ComparisonResult(
            run_id=run.id, id_number=person.id_number, status="uninsured" if missing else "confirmed",
            missing=";".join(missing), schemes=0 if index % 2 else 2, county_code="341721",
            township_code=person.township_code, village_code=person.village_code))
    db.session.flush()
    progress.snapshot_coverage(run)
    db.session.commit()
    return run


def test_coverage_now_equals_baseline_plus_closed_gaps(county):
    from webapp.models import Case, CaseEvent, ComparisonResult, RegistrationForm

    run = _baseline_run()
    do_random_work(60, 11)
    county_area = dashboard.area_for(user("county"))
    total = dashboard.coverage(county_area)["total"]
    results = ComparisonResult.query.filter_by(run_id=run.id).all()
    required = [r for r in results if "pension" in r.missing or r.schemes]
    registered = {e.case_id for e in CaseEvent.query.filter_by(kind="registry_applied")}
    forms = [f for f in RegistrationForm.query.all() if f.case_id in registered]
    by_id = {r.id_number: r for r in results}
    closed = sum(1 for f in forms if f.data.get("pension_scheme") and "pension" in by_id[f.id_number].missing)
    covered_before = sum(1 for r in required if "pension" not in r.missing)
    assert total["pension_before"] == round(100.0 * covered_before / len(required), 1)
    assert total["pension_now"] == round(100.0 * (covered_before + closed) / len(required), 1)
    medical_closed = sum(1 for f in forms if f.data.get("medical_scheme") and "medical" in by_id[f.id_number].missing)
    medical_before = sum(1 for r in results if "medical" not in r.missing)
    assert total["medical_now"] == round(100.0 * (medical_before + medical_closed) / len(results), 1)
    assert closed + medical_closed > 0 and Case.query.filter_by(status="completed").count() > 0


def test_rebuild_from_the_timelines_gives_the_kept_figures(county):
    from webapp.services.campaign import progress_rebuild

    do_random_work(25, 21)
    township = Area.query.filter_by(code=user("township").area.code).one()
    kept = _kept_by_village(township)
    kept_days = dashboard.daily(township)["series"]
    progress_rebuild.rebuild("341721")
    db.session.commit()
    assert _kept_by_village(township) == kept
    assert dashboard.daily(township)["series"] == kept_days


def test_concurrent_changes_lose_no_count(app):
    """Writers bumping the same counters at once (own sessions and connections) add up exactly."""
    import threading

    from webapp.models import ProgressDaily, ProgressTotal

    threads_count, per_thread = 4, 15
    barrier, errors = threading.Barrier(threads_count), []

    def writer():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(per_thread):
                    progress.bump("341721", "341721100000", "341721100001", "visited")
                    db.session.commit()
            except Exception as err:  # noqa: BLE001 - reported below
                errors.append(repr(err))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = threads_count * per_thread
    assert db.session.query(db.func.sum(ProgressDaily.value)).scalar() == expected
    assert ProgressTotal.query.one().value == expected


def test_a_real_comparison_run_leaves_its_coverage_per_village(county, client):
    from webapp.models import ComparisonResult, CoverageSnapshot
    from webapp.services.intake import runs as intake_runs

    from .test_intake_runs import AS_OF, ENROLLMENT, REGISTER, start_run, upload_file

    client.login("agency")
    upload_file(client, "public_security", "register.csv", REGISTER.encode("gbk"))
    upload_file(client, "social_insurance", "enrollment.csv", ENROLLMENT.encode("utf-8"))
    run = start_run(client, AS_OF.isoformat())
    intake_runs.run_comparison(run.id)
    results = ComparisonResult.query.filter(ComparisonResult.run_id == run.id,
                                            ComparisonResult.status.in_(("confirmed", "uninsured"))).all()
    rows = CoverageSnapshot.query.filter_by(run_id=run.id).all()
    assert sum(r.targets for r in rows) == len(results) > 0
    assert sum(r.medical_covered for r in rows) == sum(1 for r in results if "medical" not in r.missing)
    assert sum(r.pension_covered for r in rows) == sum(1 for r in results if "pension" not in r.missing
                                                       and r.schemes & 7)
    assert any("pension" in r.missing for r in results)  # the teenager who just turned 16
    coverage = dashboard.coverage(dashboard.area_for(user("county")))
    assert coverage["first_run_id"] == run.id and coverage["total"]["targets"] == len(results)
