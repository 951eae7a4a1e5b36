"""Spot checks (核查工作质量): the sample is reproducible from its seed and stratified by township and
visitor; the spot_check tasks walk through the inboxes of the lane chosen at the draw; results change
the error rates (page, Excel, dashboard) and the bulletin's spot-check column, as of their day."""
import math
import random
from datetime import datetime, timedelta, timezone
from io import BytesIO

from openpyxl import load_workbook

from webapp import clock
from webapp.extensions import db
from webapp.models import Case, InboxTask, SpotCheckDraw, SpotCheckItem
from webapp.services.campaign import bulletins, progress, spot_checks

from .helpers import open_task, task_ids_on, user
from .quality_support import audit_cases

COUNTY = "341721"


def _population(rng):
    """(form id, township, visitor) rows: 3 townships, 2-4 visitors each, 1-40 forms per visitor."""
    rows, form_id = [], 0
    for township in ("341721100", "341721101", "341721102"):
        for visitor in range(rng.randint(2, 4)):
            for _ in range(rng.randint(1, 40)):
                form_id += 1
                rows.append((form_id, township, hash((township, visitor)) % 1000 + 1))
    return rows


def test_the_sample_is_reproducible_from_its_seed_and_stratified():
    rng = random.Random(3)
    population = _population(rng)
    sample = spot_checks.draw_sample(population, "seed-1", 10)
    shuffled = list(population)
    rng.shuffle(shuffled)
    assert spot_checks.draw_sample(shuffled, "seed-1", 10) == sample  # same seed, same population
    assert spot_checks.draw_sample(population, "seed-2", 10) != sample  # another seed, another sample
    chosen = set(sample)
    strata = {}
    for form_id, township, visitor in population:
        strata.setdefault((township, visitor), []).append(form_id)
    for forms in strata.values():  # every township/visitor with forms: ceil(10 % of its forms), at least one
        assert sum(1 for f in forms if f in chosen) == max(1, math.ceil(len(forms) * 0.1))
    assert len(spot_checks.draw_sample(population, "seed-1", 100)) == len(population)


def _draw(client, share, verifier, seed=""):
    client.login("county")
    response = client.post("/quality/spot-checks/draw", {"share_percent": str(share), "verifier": verifier,
                                                         "seed": seed}, token_from="/quality/spot-checks")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    client.logout()
    return SpotCheckDraw.query.order_by(SpotCheckDraw.id.desc()).first()


def _record(client, row, item, result, fields=(), note=""):
    page = f"/inbox/tasks/{row.id}"
    return client.post(f"/quality/spot-checks/items/{item.id}", {"task_id": str(row.id), "result": result,
                                                                 "wrong_fields": list(fields), "note": note},
                       token_from=page)


def test_a_drawn_sample_walks_through_the_township_inbox_and_feeds_the_error_rates(county, client):
    audit_cases()
    population = spot_checks.population_of(COUNTY)
    strata = {(t, v) for _f, t, v in population}
    assert len(strata) >= 2, "the demo's audited forms are filled by two visitors"
    expected = spot_checks.draw_sample(population, "q7", 10)
    record = _draw(client, 10, "township", seed="q7")
    assert (record.seed, record.population, record.sample_size) == ("q7", len(population), len(expected))
    items = SpotCheckItem.query.order_by(SpotCheckItem.form_id).all()
    assert [i.form_id for i in items] == expected  # the stored sample is the one its seed gives
    assert {(i.township_code, i.visitor_id) for i in items} == strata  # every stratum represented
    client.login("county")
    page = client.get("/quality/spot-checks").get_data(as_text=True)
    assert "<code>q7</code>" in page and 'id="draw-list"' in page
    client.logout()
    case = db.session.get(Case, items[0].case_id)
    row = open_task(case, "township_spot_check")
    assert row.lane == "township" and row.due_at is not None and open_task(case, "county_spot_check") is None
    client.login("township")
    assert row.id in task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team")
    html = client.get(f"/inbox/tasks/{row.id}").get_data(as_text=True)
    assert all(f'id="spot-item-{i.id}"' in html for i in items) and "13800000000" in html
    # Not finished while a sampled form has no result; a wrong field needs its fields and a note.
    refused = client.post(f"/inbox/tasks/{row.id}", {"spot_check_note": ""}, token_from=f"/inbox/tasks/{row.id}")
    assert refused.status_code == 200 and "未核实" in refused.get_data(as_text=True)
    _record(client, row, items[0], "wrong_field", note="电话不符")
    assert db.session.get(SpotCheckItem, items[0].id).result == "pending"
    _record(client, row, items[0], "wrong_field", fields=["phone"], note="电话号码与本人不符")
    for item in items[1:]:
        _record(client, row, item, "confirmed")
    done = client.post(f"/inbox/tasks/{row.id}", {"spot_check_note": "电话回访"}, token_from=f"/inbox/tasks/{row.id}")
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == "completed"
    assert "电话回访" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    first = db.session.get(SpotCheckItem, items[0].id)
    assert (first.result, first.wrong_fields) == ("wrong_field", ["phone"])
    # The error rates: per township and per visitor, on the page, in Excel and in the bulletin.
    township = user("township").area.code
    rates = {r["key"]: r for r in spot_checks.error_rates(COUNTY)}
    assert rates[township]["checked"] == len(items) and rates[township]["errors"] == 1
    assert rates[township]["rate"] == round(100.0 / len(items), 1)
    by_visitor = {r["key"]: r for r in spot_checks.error_rates(COUNTY, by="visitor")}
    assert by_visitor[first.visitor_id]["errors"] == 1
    client.logout()
    client.login("township")
    page = client.get("/quality/spot-checks").get_data(as_text=True)
    assert f'data-key="{township}"' in page and f'data-key="{first.visitor_id}"' in page
    dashboard = client.get("/dashboard/").get_data(as_text=True)  # the township's own figure on its dashboard
    assert f'<td class="num" id="spot-check-rate">{rates[township]["rate"]}</td>' in dashboard
    sheet = load_workbook(BytesIO(client.get("/quality/spot-checks/error-rates.xlsx").data)).active
    assert [c.value for c in sheet[1]][-1] == "差错率(%)"
    sheet_rates = {(r[0].value, r[1].value): float(r[5].value) for r in sheet.iter_rows(min_row=2)}
    assert sheet_rates[("乡镇", user("township").area.name)] == rates[township]["rate"]
    today = progress.local_day()
    now = bulletins.produce(COUNTY, today)
    before = bulletins.produce(COUNTY, today - timedelta(days=1))  # results recorded today do not count yet
    db.session.commit()
    row_now = next(r for r in now.figures["townships"] if r["code"] == township)
    assert row_now["spot_check_error_rate"] == rates[township]["rate"]
    assert now.figures["totals"]["spot_check_error_rate"] == rates[township]["rate"]
    assert all(r["spot_check_error_rate"] is None for r in before.figures["townships"])
    sheet = load_workbook(BytesIO(client.get(f"/dashboard/bulletins/{now.id}.xlsx").data)).active
    cells = {r[1].value: r[7].value for r in sheet.iter_rows(min_row=2)}
    assert float(cells[user("township").area.name]) == rates[township]["rate"]


def test_a_county_lane_draw_and_a_result_fixed_only_on_its_day(county, client):
    audit_cases()
    _draw(client, 10, "township", seed="a")
    record = _draw(client, 100, "county", seed="b")  # the rest: forms are sampled once only
    items = SpotCheckItem.query.filter_by(draw_id=record.id).all()
    assert items and not {i.form_id for i in items} & {i.form_id for i in SpotCheckItem.query.filter(
        SpotCheckItem.draw_id != record.id)}
    case = db.session.get(Case, items[0].case_id)
    row = open_task(case, "county_spot_check")
    assert row.lane == "county" and open_task(case, "township_spot_check") is None
    client.login("county")
    assert row.id in task_ids_on(client.get("/inbox?view=team").get_data(as_text=True))
    client.post(f"/inbox/tasks/{row.id}/claim", token_from="/inbox?view=team")
    _record(client, row, items[0], "fabricated", note="户主称无人入户")
    _record(client, row, items[0], "confirmed")  # corrected the same day
    db.session.expire_all()
    assert db.session.get(SpotCheckItem, items[0].id).result == "confirmed"
    try:
        clock.set_now(datetime.now(timezone.utc) + timedelta(days=1))
        answer = _record(client, row, items[0], "fabricated", note="再次核实")
        assert "不能再更改" in client.get(answer.headers["Location"]).get_data(as_text=True)
    finally:
        clock.set_now(None)
    db.session.expire_all()
    assert db.session.get(SpotCheckItem, items[0].id).result == "confirmed"
    assert InboxTask.query.filter_by(case_id=case.id, state="ready").count() == 1
