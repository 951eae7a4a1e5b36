"""Area codes are cut apart in one module only (webapp/areacodes.py, used by services/scoping.py)."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
OWNER = ROOT / "webapp" / "areacodes.py"
# A slice of something named like an area code: code[:9], row.township_code[:6], (x or "-")[:9] ...
SLICE = re.compile(r"code\w*\)?\s*\[:\s*[69]\s*\]|\[:\s*9\s*\]")


def test_no_area_code_slicing_outside_the_scoping_owner():
    offenders = []
    for folder in ("webapp", "workers", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == OWNER:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SLICE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_owner_answers_township_and_county_of_a_village():
    from webapp import areacodes

    assert areacodes.county_of("341721100201") == "341721"
    assert areacodes.township_of("341721100201") == "341721100000"
    assert areacodes.codes_of_village("341721100201", "341721") == ("341721", "341721100000", "341721100201")
    assert areacodes.codes_of_village(None, "341721") == ("341721", None, None)
