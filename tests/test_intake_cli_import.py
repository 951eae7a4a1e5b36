"""Scripted intake: `flask intake import` and `flask intake mapping`, end to end, with the web's services."""
import pytest
import json
import re
from datetime import date

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ImportBatch, IntakeChunk

# Intake takes its county from the loaded areas: these tests run in the demo county.
pytestmark = pytest.mark.usefixtures("demo_areas")

ONE = make_id("341721", date(1960, 5, 1), 11)
TWO = make_id("341721", date(1955, 2, 3), 22)
ODD = ("序号,人员证件号,姓名,险种,待遇状态,经办机构\n"
       f"1,{ONE},甲一,城乡居民养老保险,按月领取中,县社保局\n"
       f"2,{TWO},乙二,城乡居民养老保险,待遇领取,县社保局\n"
       f"3,{ONE},甲一,城乡居民医保,不详,县社保局\n"
       "合计,3人,,,,\n")


def test_import_stops_with_exit_code_3_naming_headers_and_values_then_goes_in_with_a_mapping(app, runner, tmp_path):
    path = tmp_path / "si.csv"
    path.write_text(ODD, encoding="utf-8")
    result = runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance"])
    assert result.exit_code == 3, result.output
    assert "未识别的列：人员证件号" in result.output and "未识别的列：经办机构" in result.output
    assert "缺少必需的列：公民身份号码" in result.output
    assert "“按月领取中”，1 行，如第 2 行" in result.output and "“不详”，1 行，如第 4 行" in result.output
    waiting = ImportBatch.query.one()
    assert waiting.status == "needs_mapping" and IntakeChunk.query.count() == 0

    choices = {"headers": {"人员证件号": "id_number", "经办机构": None},
               "values": {"benefit_status": {"按月领取中": "paid", "不详": None}}}
    mapping_file = tmp_path / "map.json"
    mapping_file.write_text(json.dumps(choices, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance",
                                 "--mapping", str(mapping_file)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    batch = ImportBatch.query.one()  # the waiting batch, continued
    assert batch.status == "imported" and batch.rows_total == 3 and batch.rows_with_errors == 0
    assert batch.ignored_columns == ["序号", "经办机构"] and batch.notes == [{"row": 5, "text": "合计 3人"}]
    assert "已跳过 1 行合计/小计行" in result.output

    printed = runner.invoke(args=["intake", "mapping", "social_insurance"])
    assert printed.exit_code == 0 and json.loads(printed.output) == choices
    # The same file again is recognised and named.
    again = runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance"])
    assert again.exit_code == 0 and f"第 {batch.id} 批" in again.output


def test_a_wrong_mapping_file_is_refused_clearly(app, runner, tmp_path):
    path = tmp_path / "si.csv"
    path.write_text(ODD, encoding="utf-8")
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"values": {"benefit_status": {"按月领取中": "yes"}}}), encoding="utf-8")
    result = runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance", "--mapping", str(bad)])
    assert result.exit_code == 1 and "对应关系文件有误" in result.output and "待遇状态没有代码 yes" in result.output
    assert ImportBatch.query.count() == 0


def test_a_file_waiting_from_the_command_line_can_be_mapped_in_the_browser(county, runner, client, tmp_path):
    path = tmp_path / "si.csv"
    path.write_text(ODD, encoding="utf-8")
    assert runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance"]).exit_code == 3
    batch = ImportBatch.query.one()
    client.login("agency")
    url = f"/intake/batches/{batch.id}/mapping"
    page = client.get(url).get_data(as_text=True)
    inputs = dict(re.findall(r'<tr data-(?:header|value)="([^"]+)" data-input="([^"]+)"', page))
    response = client.post(url, {inputs["人员证件号"]: "id_number", inputs["按月领取中"]: "paid",
                                 inputs["不详"]: "#empty"}, token_from=url)
    assert response.headers["Location"].endswith(f"/intake/batches/{batch.id}")
    # Saved for the source: the nightly command now goes through.
    assert runner.invoke(args=["intake", "import", str(path), "--source", "social_insurance"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(ImportBatch, batch.id).status == "imported"
