"""The demo's department data: a small generated slice of the county, imported and compared.

It shows the whole road from files to work: problem records become agency cases, uninsured
households become registration cases beside the hand-made ones.
"""
import json
import os

from ..extensions import db
from ..services.intake import (importing as intake_import, problems as intake_problems, runs as intake_runs,
                               work as intake_work)
from .generator import generate_county


def seed_generated_slice(folder, people=3000, actor=None, seed=341721):
    """Generate ``people`` residents into ``folder``, import, compare, and start the work.

    Commits as it goes (it is called by the demo command, like a job). Returns the run's counts.
    """
    if not os.path.exists(os.path.join(folder, "answer_key.json")):
        generate_county(folder, people=people, seed=seed, workers=1)
    with open(os.path.join(folder, "answer_key.json"), encoding="utf-8") as handle:
        sources = json.load(handle)["sources"]
    for name, source in sorted(sources.items()):
        intake_import.import_file(os.path.join(folder, name), source, actor=actor)
        db.session.commit()
    run = intake_runs.create_run(actor=actor)
    db.session.commit()
    counts = intake_runs.run_comparison(run.id)
    intake_problems.start_problem_cases(run.id, actor)
    db.session.commit()
    last = None
    while True:
        outcome = intake_work.start_registration_cases(run.id, actor, limit=200, after=last)
        db.session.commit()
        last = outcome["last"]
        if last is None:
            return counts
