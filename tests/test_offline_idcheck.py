"""The phone checks ID numbers with webapp/static/offline/idcheck.js; the server with
webapp/idnumber.py. One table of cases through both: the same verdict, codes and messages."""
import json
import os
import shutil
import subprocess
from datetime import date

import pytest

from webapp.idnumber import make_id, normalize_id

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "webapp", "static", "offline", "idcheck.js")
TODAY = date(2026, 11, 30)
VALID = make_id("341721", date(1985, 6, 15), 123)
VALID_X = "11010519491231002X"
CASES = [
    VALID, VALID_X, VALID_X.lower(), " " + VALID + " ", VALID[:9] + " " + VALID[9:], "\u3000" + VALID,
    VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), VALID + "\u200b",
    VALID[:17] + ("0" if VALID[17] != "0" else "1"),  # wrong check character
    VALID[:17], VALID[:16], VALID + "1", "", "   ", "abc", "3417211985O6151234",
    "34172119850615X234", "341721850615123",  # 15-digit legacy
    "341721198502301234", "341721202712011234", "341721189912311234",
    make_id("341721", date(2026, 11, 30), 2), make_id("341721", date(2026, 12, 1), 2),  # born tomorrow
    make_id("991721", date(1990, 1, 1), 1),  # unknown province: a warning only
    "341721851315123", "34172119850615123a", "3.41721E+17", "341721198506151234.0", "34172119850615123-", "１２３",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_browser_and_server_agree_on_id_numbers():
    runner = ("const c=require(process.argv[1]);const cases=JSON.parse(require('fs').readFileSync(0,'utf8'));"
              "const today=new Date(2026,10,30);"
              "console.log(JSON.stringify(cases.map(x=>c.normalizeId(x,today))));")
    out = subprocess.run(["node", "-e", runner, SCRIPT], input=json.dumps(CASES), capture_output=True,
                         text=True, check=True, timeout=30).stdout
    browser = json.loads(out)
    for raw, js in zip(CASES, browser):
        py = normalize_id(raw, today=TODAY)
        assert js["ok"] == py.ok, (raw, js, py)
        assert js["canonical"] == py.canonical, raw
        assert [e["code"] for e in js["errors"]] == list(py.error_codes), raw
        assert [e["message"] for e in js["errors"]] == [e.message for e in py.errors], raw
