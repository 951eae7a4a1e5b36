"""The demo's generated slice: files in, comparison, and the work it starts."""
from webapp.models import Case, ComparisonRun

from .helpers import user


def test_generated_slice_becomes_cases(county, tmp_path):
    from webapp.synthetic import demo_intake

    before = Case.query.filter_by(kind="registration").count()
    counts = demo_intake.seed_generated_slice(str(tmp_path / "slice"), people=600, actor=user("agency"))
    run = ComparisonRun.query.one()
    assert run.status == "done" and counts["uninsured"] > 0 and counts["problem"] > 0
    assert Case.query.filter_by(kind="registration").count() > before
    assert Case.query.filter_by(kind="problem").count() == counts["problem_records"]
