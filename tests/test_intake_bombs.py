"""Generated bombs imported by a separate process whose peak memory (RSS) must stay under 1 GB.

Each import runs in its own Python process, as in an RQ worker, against the test database;
the process reports its peak resident set (``VmHWM``; ``ru_maxrss`` of a freshly started
child also counts the pages of the pytest process it was forked from) at its end. Every bomb is tried twice: with the workbook
checks on (refused before extraction) and with them switched off, to prove that streaming
alone also stops it (row elements, the run of bytes of one cell, row and column counts).
The process has a 3 GB address-space limit so a regression fails the test, not the machine.
"""
import json
import os
import subprocess
import sys
import zipfile
from datetime import date

import pytest

from webapp.extensions import db
from webapp.idnumber import make_id
from webapp.models import ImportBatch

# Slow; intake takes its county from the loaded areas: these run in the demo county.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("demo_areas")]
PEAK_LIMIT_MB = 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBE = r"""
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from config import TestConfig
from webapp import create_app
url, path, instance, checks = sys.argv[1:5]
if checks == "off":  # what streaming alone bounds, with the archive checks out of the way
    from webapp.intake import limits
    limits.MAX_XLSX_RATIO = limits.MAX_XLSX_UNCOMPRESSED = limits.MAX_SHARED_STRINGS = 1 << 62
class Probe(TestConfig):
    SQLALCHEMY_DATABASE_URI = url
    INSTANCE_DIR = instance
app = create_app(Probe)
with app.app_context():
    from webapp.extensions import db
    from webapp.services.intake import importing as intake_import
    outcome = intake_import.import_file(path, "public_security")
    db.session.commit()
    # VmHWM: this program's own peak; ru_maxrss would also count the parent's pages at fork.
    with open("/proc/self/status") as status:
        hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    peak_mb = hwm_kb / 1024
    print(json.dumps({"status": outcome.status, "message": outcome.message, "peak_mb": round(peak_mb)}))
"""
PEAKS = {}


def _probe(app, path, checks="on"):
    db.session.commit()
    done = subprocess.run([sys.executable, "-c", PROBE, app.config["SQLALCHEMY_DATABASE_URI"], str(path),
                           app.config["INSTANCE_DIR"], checks], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    PEAKS[f"{path.name} (checks {checks})"] = result["peak_mb"]
    print(f"\npeak RSS importing {path.name} with checks {checks}: {result['peak_mb']} MB ({result['message']})")
    return result


def _workbook(path, sheet_parts, shared_parts=None):
    """Stream a workbook to disk: the sheet (and shared strings) from generators of bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
                                            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                         '</Relationships>')
        for name, parts in (("xl/worksheets/sheet1.xml", sheet_parts), ("xl/sharedStrings.xml", shared_parts)):
            if parts is None:
                continue
            with archive.open(name, "w", force_zip64=True) as handle:
                for part in parts:
                    handle.write(part)
    return path


def _header():
    cells = "".join(f'<c r="{c}1" t="inlineStr"><is><t>{t}</t></is></c>'
                    for c, t in zip("ABC", ("户号", "姓名", "公民身份号码")))
    return f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row>'.encode()


def _repeat(block: bytes, total: int):
    for _ in range(total // len(block)):
        yield block


@pytest.fixture
def small_file(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(f"户号,姓名,公民身份号码\n1,张三,{make_id('341721', date(1980, 1, 1), 11)}\n", encoding="utf-8")
    return path


def test_baseline_a_small_file(app, small_file):
    assert _probe(app, small_file)["status"] == "imported"


def test_a_sheet_that_expands_to_hundreds_of_mb_in_one_row(app, tmp_path):
    """400 MB of cells in one <row>: the parser would build them all before the row ends."""
    path = _workbook(tmp_path / "row_bomb.xlsx", [_header(), b'<row r="2">',
                                                  *_repeat(b'<c s="1"><v>1</v></c>' * 4096, 400 << 20),
                                                  b"</row></sheetData></worksheet>"])
    assert os.path.getsize(path) < 8 << 20  # a few MB on disk
    refused = _probe(app, path)
    assert refused["status"] == "rejected" and "压缩比异常" in refused["message"]
    streamed = _probe(app, path, checks="off")
    assert streamed["status"] == "rejected" and "512 列的上限" in streamed["message"]
    assert max(refused["peak_mb"], streamed["peak_mb"]) <= PEAK_LIMIT_MB
    assert ImportBatch.query.filter_by(status="imported").count() == 0


def test_a_single_600_mb_cell(app, tmp_path):
    path = _workbook(tmp_path / "cell_bomb.xlsx", [_header(), b'<row r="2"><c r="B2" t="inlineStr"><is><t>',
                                                   *_repeat("东".encode() * 8192, 600 << 20),
                                                   b"</t></is></c></row></sheetData></worksheet>"])
    refused = _probe(app, path)
    assert refused["status"] == "rejected" and "压缩比异常" in refused["message"]
    streamed = _probe(app, path, checks="off")
    assert streamed["status"] == "rejected" and "32,767 个字符的上限" in streamed["message"]
    assert max(refused["peak_mb"], streamed["peak_mb"]) <= PEAK_LIMIT_MB


def test_a_300_mb_shared_string(app, tmp_path):
    path = _workbook(tmp_path / "shared_bomb.xlsx",
                     [_header(), b'<row r="2"><c r="B2" t="s"><v>0</v></c></row></sheetData></worksheet>'],
                     [f'<sst xmlns="{MAIN}"><si><t>'.encode(), *_repeat(b"x" * 65536, 300 << 20),
                      b"</t></si></sst>"])
    refused = _probe(app, path)
    assert refused["status"] == "rejected" and "压缩比异常" in refused["message"]
    streamed = _probe(app, path, checks="off")
    assert streamed["status"] == "rejected" and "32,767 个字符的上限" in streamed["message"]
    assert max(refused["peak_mb"], streamed["peak_mb"]) <= PEAK_LIMIT_MB


def test_a_column_far_to_the_right(app, tmp_path):
    path = _workbook(tmp_path / "column_bomb.xlsx", [_header(), b'<row r="2"><c r="ZZZZZ2"><v>1</v></c></row>'
                                                                b"</sheetData></worksheet>"])
    result = _probe(app, path)
    assert result["status"] == "rejected" and "512 列的上限" in result["message"]
    assert result["peak_mb"] <= PEAK_LIMIT_MB


def test_a_csv_line_of_300_mb(app, tmp_path):
    path = tmp_path / "line_bomb.csv"
    with open(path, "wb") as handle:
        handle.write(f"户号,姓名,公民身份号码\n1,张三,".encode())
        for block in _repeat(b"9" * (1 << 20), 300 << 20):
            handle.write(block)
    result = _probe(app, path)
    assert result["status"] == "rejected" and "第 2 行有单元格超过 32,767 个字符的上限" in result["message"]
    assert result["peak_mb"] <= PEAK_LIMIT_MB
