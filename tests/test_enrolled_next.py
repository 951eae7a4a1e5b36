"""The funnel's last stage: people found uninsured by one comparison run and enrolled by a later one."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from webapp.extensions import db
from webapp.models import Area, ComparisonResult, EnrolledAfterRun
from webapp.services.campaign import dashboard, progress_rebuild
from webapp.services.intake import importing as intake_import, runs as intake_runs
from webapp.synthetic.generator import generate_county

AS_OF = date(2017, 6, 30)
ENROLLED = 7  # people the second enrollment file enrols in the resident pension


def _run():
    run = intake_runs.create_run(as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    return run


def _results(run):
    return {r.id_number: r for r in ComparisonResult.query.filter_by(run_id=run.id)}


def _enrol_some(folder, first):
    """A later copy of the enrollment file where ENROLLED people missing a pension now hold one."""
    chosen = sorted(r.id_number for r in _results(first).values()
                    if r.status == "uninsured" and "pension" in r.missing)[:ENROLLED]
    assert len(chosen) == ENROLLED
    names = {r.id_number: r.name for r in ComparisonResult.query.filter(
        ComparisonResult.run_id == first.id, ComparisonResult.id_number.in_(chosen))}
    original = (folder / "social_insurance_enrollment.csv").read_text(encoding="utf-8")
    extra = "".join(f"{i},{names[i]},,{i[6:10]}-{i[10:12]}-{i[12:14]},城乡居民基本养老保险,在缴,在缴,无,,东至县,,,2017-06-01\n"
                    for i in chosen)
    copy = folder / "social_insurance_enrollment_later.csv"
    copy.write_text(original.rstrip("\n") + "\n" + extra, encoding="utf-8")
    assert intake_import.import_file(copy, "social_insurance", today=AS_OF).status == "imported"
    db.session.commit()
    return set(chosen)


def _fresh_count(first, second):
    """Counted from the two runs' results in Python: uninsured before, a missing item closed after."""
    before, after = _results(first), _results(second)
    found = set()
    for id_number, old in before.items():
        new = after.get(id_number)
        if old.status != "uninsured" or new is None or new.status not in ("confirmed", "uninsured"):
            continue
        if any(item in old.missing and item not in new.missing for item in ("pension", "medical")):
            found.add(id_number)
    return found


def test_enrolled_at_next_comparison_equals_an_independent_count(county, client, tmp_path):
    folder = tmp_path / "county"
    summary = generate_county(folder, people=1500, seed=7, as_of=AS_OF, workers=1)
    for name, source in summary["sources"].items():
        assert intake_import.import_file(folder / name, source, today=AS_OF).status == "imported"
    db.session.commit()
    first = _run()
    county_area = Area.query.filter_by(level="county").one()
    assert dashboard.totals(county_area)["enrolled_next"] == 0  # one run: nobody yet

    chosen = _enrol_some(folder, first)
    second = _run()
    fresh = _fresh_count(first, second)
    assert fresh == chosen  # the people the later file enrolled, and no one else
    kept = {row.id_number for row in EnrolledAfterRun.query}
    assert kept == chosen
    assert dashboard.totals(county_area)["enrolled_next"] == ENROLLED
    # By township: the kept figure per area equals the count of the chosen people's townships.
    after = _results(second)
    by_township = {}
    for id_number in chosen:
        code = after[id_number].township_code or ""
        by_township[code] = by_township.get(code, 0) + 1
    rows = {r["code"]: r["enrolled_next"] for r in dashboard.breakdown(county_area) if r["enrolled_next"]}
    assert rows == by_township

    third = _run()  # the same data again: nobody is counted twice
    assert third.status == "done"
    assert dashboard.totals(county_area)["enrolled_next"] == ENROLLED
    progress_rebuild.rebuild("341721")  # a rebuild of the kept figures keeps the stage
    db.session.commit()
    assert dashboard.totals(county_area)["enrolled_next"] == ENROLLED

    client.login("county")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert 'data-measure="enrolled_next"' in page
    sheet = load_workbook(BytesIO(client.get("/dashboard/export/funnel.xlsx").data)).active
    assert [row[1].value for row in sheet.iter_rows(min_row=2)][-1] == ENROLLED
    data = client.get("/dashboard/data.json").get_json()
    assert data["funnel"]["values"][-1] == ENROLLED
