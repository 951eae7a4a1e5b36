"""Comparison labels go through the catalog: the English run, results and problem pages show
the result statuses and problem types in English, not Chinese."""
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ProblemRecord
from webapp.services.intake import importing as intake_import, runs as intake_runs

from .test_i18n import CJK, data_strings, text_nodes

AS_OF = date(2017, 6, 30)
ADULT = make_id("341721", date(1977, 3, 1), 11)
TWICE = make_id("341721", date(1970, 1, 1), 19)
REGISTER = ("户号,姓名,公民身份号码,与户主关系,户籍地址,人员状态,村(社区)代码\n"
            f"1000010001,甲一,{ADULT},户主,东至县尧渡镇,正常,341721100001\n"
            f"1000010003,丙三,{TWICE},户主,东至县尧渡镇,正常,341721100001\n")
ENROLLMENT = ("身份证号,姓名,险种,参保状态\n"
              f"{TWICE},丙三,城乡居民养老保险,正常参保\n{TWICE},丙三,企业职工养老保险,正常参保\n")


def _run(tmp_path):
    for name, text, source in (("户籍.csv", REGISTER, "public_security"), ("参保.csv", ENROLLMENT, "social_insurance")):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert intake_import.import_file(path, source, county_code="341721", today=AS_OF).status == "imported"
    run = intake_runs.create_run("341721", as_of=AS_OF)
    db.session.commit()
    intake_runs.run_comparison(run.id)
    assert ProblemRecord.query.filter_by(run_id=run.id, problem_type="duplicate_pension").count() == 1
    return run


def _han_outside_data(html):
    """Han characters left once data (names, addresses, staff and area names) is taken out."""
    data = sorted({*data_strings(), "甲一", "丙三", "东至县尧渡镇"}, key=len, reverse=True)
    left = []
    for node in text_nodes(html):
        for value in data:
            node = node.replace(value, " ")
        left.extend(CJK.findall(node))
    return left


def test_run_results_and_problem_pages_show_labels_in_english(county, client, tmp_path):
    run = _run(tmp_path)
    client.login("agency")
    client.post("/language/en", {"next": "/intake/"}, token_from="/intake/")
    run_page = client.get(f"/intake/runs/{run.id}").get_data(as_text=True)
    assert "Problem data" in run_page and "Enrolled twice in basic pension insurance" in run_page
    assert "重复参加基本养老保险" not in run_page and "问题数据" not in run_page
    results = client.get(f"/intake/runs/{run.id}/results").get_data(as_text=True)
    assert "Enrolled twice in basic pension insurance" in results and "Not insured" in results
    assert _han_outside_data(results) == []
    problems = client.get(f"/intake/runs/{run.id}/problems").get_data(as_text=True)
    # The type column is a label; the detail column is stored data (kept in Chinese, like case titles).
    assert "Enrolled twice in basic pension insurance" in problems and "重复参加基本养老保险" not in problems
