"""No county is built in: a second county's areas are loaded and intake runs there.

云溪县 (349901) is made up, with its own townships and villages. Its place names count as local;
东至县's (the demo county, loaded beside it) do not.
"""
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ComparisonResult, ImportBatch
from webapp.services import areas
from webapp.services.intake import importing as intake_import, runs as intake_runs

AS_OF = date(2017, 6, 30)
CODE, NAME = "349901", "云溪县"
ROWS = [(f"{CODE}000000", NAME, "county", "county", None),
        (f"{CODE}100000", "溪口镇", "township", "town", f"{CODE}000000"),
        (f"{CODE}100201", "青竹村", "village", "village", f"{CODE}100000"),
        (f"{CODE}200000", "云岭乡", "township", "township", f"{CODE}000000"),
        (f"{CODE}200201", "石门村", "village", "village", f"{CODE}200000")]
RESIDENT = make_id(CODE, date(1975, 4, 2), 11)
HERE = make_id("341721", date(1981, 6, 3), 13)  # born in Dongzhi, insured in 云溪县: local here
THERE = make_id("341721", date(1982, 7, 4), 15)  # insured in 东至县: not this county's
REGISTER = ("户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码\n"
            f"2000010001,云一,{RESIDENT},户主,云溪县溪口镇青竹村,正常,{CODE}100201\n")
ENROLLMENT = ("身份证号,姓名,险种,参保状态,参保地\n"
              f"{RESIDENT},云一,城乡居民养老保险,正常参保,云溪县\n"
              f"{RESIDENT},云一,城乡居民医疗保险,正常参保,云溪县\n"
              f"{HERE},云二,企业职工养老保险,正常参保,安徽省云溪县\n"
              f"{THERE},东三,企业职工养老保险,正常参保,东至县\n")


def _load_both_counties():
    areas.load_rows(areas.generate_county(villages_total=20))  # the demo county, as other tests have it
    areas.load_rows(ROWS)
    db.session.commit()


def test_intake_in_a_second_county_counts_its_own_places_as_local(app, tmp_path):
    _load_both_counties()
    register = tmp_path / "户籍.csv"
    register.write_text(REGISTER, encoding="utf-8")
    enrollment = tmp_path / "参保.csv"
    enrollment.write_text(ENROLLMENT, encoding="utf-8")
    for path, source in ((register, "public_security"), (enrollment, "social_insurance")):
        outcome = intake_import.import_file(path, source, county_code=CODE, today=AS_OF)
        assert outcome.status == "imported", outcome.message
    db.session.commit()
    assert {b.county_code for b in ImportBatch.query} == {CODE}

    run = intake_runs.create_run(CODE, as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    results = {r.id_number: r for r in ComparisonResult.query.filter_by(run_id=run.id)}
    assert {r.county_code for r in results.values()} == {CODE}
    assert results[RESIDENT].status == "confirmed" and results[RESIDENT].in_register
    # Known only from the enrollment file: a target when insured in this county, else not.
    assert results[HERE].status != "not_target" and results[HERE].non_local
    assert results[THERE].status == "not_target" and results[THERE].reason == "not_insured_here"


def test_the_campaign_county_comes_from_the_loaded_areas(app):
    areas.load_rows(ROWS)
    db.session.commit()
    assert areas.campaign_county() == (CODE, NAME)  # the only county loaded
    areas.load_rows(areas.generate_county(villages_total=20))
    db.session.commit()
    assert areas.campaign_county(CODE) == (CODE, NAME)
    assert areas.campaign_county("341721") == ("341721", "东至县")
    app.config["COUNTY_CODE"] = CODE
    assert areas.campaign_county() == (CODE, NAME)
