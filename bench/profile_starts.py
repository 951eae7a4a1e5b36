"""Where an interactive case start's CPU goes: a per-phase timer (and optionally cProfile).

Runs the loop of bench_cases.our_rate (load a household, start its registration case, commit)
with process CPU timers around each phase: the engine's create / run / save (survey, pruning,
serialization, inbox rows), the new rows' INSERTs, the counters, the timeline line, the commit
(and the DB-API commit inside it), every statement's execution and its cursor call. Prints the
lowest CPU ms per start of each phase over the rounds (the machine is noisy; a phase nested in
another is indented). ``--profile`` adds a cProfile of one more round.

    .venv/bin/python bench/profile_starts.py                     # SQLite
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/profile_starts.py
"""
import cProfile
import functools
import os
import pstats
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.bench_cases import deployed_app, new_households  # noqa: E402
from bench.start_phases import phases  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
CASES = int(os.environ.get("BENCH_CASES", "300"))
_spent = defaultdict(float)
_ORDER = ["household query (the bench's)", "start_registration_case"]  # labels in print order


def _timed(owner, name, label):
    """Replace ``owner.name`` by a wrapper adding its CPU time to ``_spent[label]``."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _spent[label] += time.process_time() - started
    setattr(owner, name, wrapper)
    _ORDER.append(label)


def _instrument():
    for owner, name, label in phases():
        _timed(owner, name, label)


def _starts(app, ids, profile=None):
    """bench_cases.our_rate's interactive loop, each phase timed; CPU ms per start."""
    from webapp.extensions import db
    from webapp.models import Household
    from webapp.services.casework import cases

    with app.app_context():
        cpu = time.process_time()
        if profile:
            profile.enable()
        for household_id in ids:
            started = time.process_time()
            households = Household.query.filter(Household.id.in_([household_id])).all()
            _spent["household query (the bench's)"] += time.process_time() - started
            started = time.process_time()
            for household in households:
                cases.start_registration_case(household)
            _spent["start_registration_case"] += time.process_time() - started
            started = time.process_time()
            db.session.commit()
            _spent["commit"] += time.process_time() - started
        if profile:
            profile.disable()
        return (time.process_time() - cpu) * 1000 / len(ids)


def main():
    app = deployed_app("starts")
    _instrument()
    _starts(app, new_households(app, 50))  # warm-up
    lowest, totals = {}, []
    for _ in range(ROUNDS):
        _spent.clear()
        totals.append(_starts(app, new_households(app, CASES)))
        for label, seconds in _spent.items():
            lowest[label] = min(lowest.get(label, float("inf")), seconds * 1000 / CASES)
    print(f"backend: {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]} "
          f"(load average {os.getloadavg()[0]:.1f})")
    print(f"CPU ms per start, lowest of {ROUNDS} rounds: {min(totals):.3f} (all: "
          + " ".join(f"{total:.2f}" for total in totals) + ")")
    for label in _ORDER + ["commit"]:
        if label in lowest:
            print(f"  {label:42s} {lowest[label]:.3f}")
    if "--profile" in sys.argv:
        profile = cProfile.Profile(time.process_time)
        _starts(app, new_households(app, CASES), profile)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
