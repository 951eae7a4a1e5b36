"""A registration start's counters are written with its new rows (one statement on PostgreSQL),
exactly once on every path a start takes: written by new_rows, left to the flush (a second start
in one transaction, as a bulk job's), refused by new_rows, or stopped at an incident. new_rows.write
is the one place that runs them (engine/start.py hands them over on every path)."""
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Area, Case, Household, ProgressTotal
from webapp.services.campaign import progress
from webapp.services.casework import cases

from .helpers import QueryCounter
from .security.probe_diagram import deploy_probe


def _target_total(village_code):
    return db.session.execute(select(ProgressTotal.value).where(
        ProgressTotal.measure == "target", ProgressTotal.village_code == village_code)).scalar() or 0


def _households(count):
    village = Area.query.filter_by(level="village").order_by(Area.code).first()
    made = [Household(household_number=f"C{index:05d}", head_name=f"户主{index}", county_code=village.county_code,
                      township_code=village.township_code, village_code=village.code, address="测试地址")
            for index in range(count)]
    db.session.add_all(made)
    db.session.commit()
    return village, made


def test_an_interactive_start_writes_its_counters_with_its_rows(county):
    village, (warm, household) = _households(2)
    cases.start_registration_case(warm)  # the process's current version is looked up (and kept) once
    db.session.commit()
    before = _target_total(village.code)
    household = db.session.get(Household, household.id)  # loaded, as a page loads it
    with QueryCounter(db.engine) as sent:
        case = cases.start_registration_case(household)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        assert sent.count == 1  # counters, case, timeline line, instance and inbox row together
    assert _target_total(village.code) == before + 1
    assert case.id is not None and case.instances[0].status == "running" and case.current_step


def test_starts_left_to_the_flush_count_once_each(county):
    village, households = _households(3)
    before = _target_total(village.code)
    started = [cases.start_registration_case(household) for household in households]  # one transaction
    db.session.commit()
    assert _target_total(village.code) == before + 3
    assert Case.query.filter(Case.id.in_([case.id for case in started])).count() == 3


def test_a_start_stopped_at_an_incident_counts_once(county):
    from webapp import engine

    village = Area.query.filter_by(level="village").order_by(Area.code).first()
    deploy_probe(script="x = 1 / 0")
    case = Case(kind="problem", title="探针", county_code=village.county_code, township_code=village.township_code,
                village_code=village.code, status="open")
    db.session.add(case)
    before = _target_total(village.code)
    instance, created = engine.start_process(case, "probe", along=progress.case_started_counts(case))
    db.session.commit()
    assert instance.status == "incident" and created == []
    assert _target_total(village.code) == before + 1


def test_a_start_whose_rows_are_refused_counts_once(county, monkeypatch):
    from webapp.infra import new_rows

    village, (household,) = _households(1)
    before = _target_total(village.code)
    monkeypatch.setattr(new_rows, "_rows", lambda groups, along: False)  # every new row left to the flush
    case = cases.start_registration_case(household)
    db.session.commit()
    assert _target_total(village.code) == before + 1 and case.id is not None
