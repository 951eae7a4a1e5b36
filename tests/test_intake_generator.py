"""A generated county of ~20,000 people, compared in memory, matches its answer key exactly."""
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from webapp.synthetic.answer_key import load_answer_key, load_employer_key
from webapp.intake.compare import PROBLEM_TYPES
from webapp.intake.employers import ORG_SOURCES, EmployerIndex
from webapp.synthetic.generator import generate_county
from webapp.intake.linkage import find_candidates
from webapp.intake.pipeline import PERSON_SOURCES, compare_employer_files, compare_files
from webapp.intake.readers import detect_encoding

AS_OF = date(2017, 6, 30)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("county")
    summary = generate_county(folder, people=20_000, seed=7, as_of=AS_OF, workers=1)
    files = defaultdict(list)
    for name, source in summary["sources"].items():
        if source in PERSON_SOURCES:
            files[source].append(folder / name)
    result, opened = compare_files(files, county_code="341721", county_name="东至县", as_of=AS_OF, today=AS_OF)
    expected, invalid, _ = load_answer_key(folder)
    return folder, summary, result, opened, expected, invalid


@pytest.fixture(scope="module")
def employers(county):
    """The county's organisations compared with its social insurance file, and the employer answer key."""
    folder, summary = county[:2]
    files = defaultdict(list)
    for name, source in summary["sources"].items():
        if source in ORG_SOURCES or source == "social_insurance":
            files[source].append(folder / name)
    index = EmployerIndex()
    compare_files({"social_insurance": files["social_insurance"]}, county_code="341721", county_name="东至县",
                  as_of=AS_OF, today=AS_OF, employer_index=index)
    return compare_employer_files(files, index, today=AS_OF), load_employer_key(folder), summary["employers"]


def _precision_recall(found: set, wanted: set):
    hits = len(found & wanted)
    return (hits / len(found) if found else 1.0), (hits / len(wanted) if wanted else 1.0)


def test_generated_files_have_the_promised_formats(county):
    folder, summary, *_ = county
    assert detect_encoding(folder / "public_security_household.csv") == "gb18030"
    assert (folder / "health_resident_medical.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert any(name.endswith(".xlsx") and source == "health" for name, source in summary["sources"].items())
    assert summary["files"]["public_security_household.csv"] == 20_000


def test_every_mess_was_injected(county):
    counts = county[1]["counts"]
    for key in ("invalid_id:check_char", "invalid_id:excel_scientific", "invalid_id:length_17",
                "invalid_id:excel_number", "invalid_id:birth_date_invalid", "invalid_id:excel_decimal",
                "injected:duplicate_pension", "injected:duplicate_medical", "injected:duplicate_benefit",
                "injected:benefit_after_death", "injected:name_conflict"):
        assert counts.get(key, 0) > 0, key


def test_every_person_matches_the_answer_key(county):
    _, _, result, _, expected, _ = county
    got = {p.id_number: (p.status, tuple(sorted(p.problems)), p.missing, p.reason) for p in result.people}
    assert got.keys() == expected.keys()
    wrong = [(k, got[k], expected[k]) for k in got if got[k] != expected[k]]
    assert wrong == []


@pytest.mark.parametrize("problem", [p for p in PROBLEM_TYPES if p != "invalid_id"])
def test_precision_and_recall_are_one_per_problem_type(county, problem):
    _, _, result, _, expected, _ = county
    found = {p.id_number for p in result.people if problem in p.problems}
    wanted = {k for k, v in expected.items() if problem in v[1]}
    assert wanted, f"the answer key has no {problem}"
    assert _precision_recall(found, wanted) == (1.0, 1.0)


def test_invalid_id_rows_match_exactly(county):
    _, _, result, opened, _, invalid = county
    found = {(o.source, Path(o.info.path).name, r.row, r.error_codes[0]) for o in opened for r in o.invalid_ids}
    wanted = set(invalid)
    assert len(wanted) > 50
    assert _precision_recall(found, wanted) == (1.0, 1.0)
    assert result.counts()["invalid_id"] == len(wanted)


def test_linkage_finds_the_people_behind_damaged_ids(county):
    _, _, result, _, _, _ = county
    damaged = [r for r in result.invalid_ids if r.error_codes[0] in ("check_char", "length_17")]
    pairs = find_candidates(damaged, result.people)
    linked = {(p.source, p.row) for p in pairs}
    assert len(linked) >= 0.9 * len(damaged)
    best = {}
    for pair in pairs:
        best.setdefault((pair.source, pair.row), pair)
    # The best candidate shares the readable first 17 digits of the damaged ID.
    assert all(p.candidate_id[:17] == p.id_raw.upper()[:17] for p in best.values())


def test_uninsured_employers_match_the_answer_key(employers):
    outcomes, key, counts = employers
    found = {(o.org.source, o.org.name) for o in outcomes if o.status == "uninsured"}
    wanted = {org for org, (status, _) in key.items() if status == "uninsured"}
    assert _precision_recall(found, wanted) == (1.0, 1.0)
    # Every verdict and its reason, for every organisation.
    assert {(o.org.source, o.org.name): (o.status, o.reason) for o in outcomes} == key
    reasons = {reason for _, reason in key.values()}
    assert reasons == {"by_code", "by_name", "no_enrollment", "terminated_only", "cancelled"}


def test_a_realistic_share_of_employers_is_uninsured(employers):
    _, key, counts = employers
    active = defaultdict(int)
    for (source, _), (status, _) in key.items():
        active[source] += status != "not_target"
    enterprises = counts["uninsured:market_supervision"] / active["market_supervision"]
    organisations = counts["uninsured:civil_affairs"] / active["civil_affairs"]
    assert 0.12 <= enterprises <= 0.3 and organisations >= 0.6, (enterprises, organisations)
    assert counts["enterprises"] == 200 and counts["terminated_only"] > 0


def test_same_seed_same_county_with_any_number_of_processes(tmp_path):
    one = generate_county(tmp_path / "a", people=1500, seed=3, as_of=AS_OF, workers=1)
    two = generate_county(tmp_path / "b", people=1500, seed=3, as_of=AS_OF, workers=2)
    assert one == two
    for name in ("public_security_household.csv", "health_resident_medical.csv",
                 "social_insurance_enrollment.csv", "answer_key.csv", "answer_key_invalid_rows.csv",
                 "answer_key_employers.csv", "civil_affairs_organisations.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = generate_county(tmp_path / "c", people=1500, seed=4, as_of=AS_OF, workers=1)
    assert (tmp_path / "c" / "answer_key.csv").read_bytes() != (tmp_path / "a" / "answer_key.csv").read_bytes()
