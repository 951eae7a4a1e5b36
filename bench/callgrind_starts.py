"""Instructions per interactive case start, the app's against raw SpiffWorkflow's, counted by callgrind.

    .venv/bin/python bench/callgrind_starts.py                     # SQLite, this checkout
    .venv/bin/python bench/callgrind_starts.py --root /work/wt/base # the same starts on another checkout
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/callgrind_starts.py

Runs itself under ``valgrind --tool=callgrind`` (bench/callgrind_markers.py) with instrumentation
off while the scratch database is set up as bench/bench_cases.py sets it up (PostgreSQL is WIPED:
the county's areas, the shipped diagrams deployed) and a few warm-up starts run, then on for
``--rounds`` rounds. Each round counts, taking turns, one raw SpiffWorkflow start on the deployed
diagram (bench_cases.raw_start: create, run to the first user task, serialize) and one interactive
start of the app (bench_cases.our_start: load the household, start its registration case, commit;
the loop bench_cases.py times). The bench code is this checkout's; the app is ``--root``'s.
Prints instructions per start of each and their ratio (raw / app: the CPU side of the issue's
target of >= 0.5x raw). Deterministic to within a fraction of a percent for the same code
(PYTHONHASHSEED is fixed). Only this process's user-space instructions are counted: the database
server's own CPU (PostgreSQL's backend parsing, planning, writing) is NOT, nor the kernel's work for
this process (system calls: socket reads and writes, SQLite's file writes and fsync at commit), which
process CPU timers such as bench_cases.py's include; SQLite's own library code runs in-process, so
it is counted. It is not a test.
"""
import importlib.util
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench.callgrind_markers import Markers, backend, command_line, summary_line  # noqa: E402

KINDS = ("raw_start", "app_start")
WARM_UP = 5


def _yardstick(root):
    """This checkout's bench/bench_cases.py as a module, with the app (and bench/common.py) of ``root``."""
    sys.path.insert(0, root)
    import bench.common  # noqa: F401  (imported from root before bench_cases puts this checkout first)
    import webapp  # noqa: F401

    spec = importlib.util.spec_from_file_location("yardstick_bench_cases", os.path.join(HERE, "bench_cases.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.insert(0, root)  # the measured checkout first again for anything imported later
    return module


def measured_run(root, rounds, library):
    """Inside valgrind: set up, warm up, then ``rounds`` rounds of one raw and one app start, each marked."""
    yardstick = _yardstick(root)
    markers = Markers(library)
    app = yardstick.deployed_app("callgrind-starts")
    specs, serializer = yardstick.deployed_specs(app), yardstick.raw_serializer()
    ids = yardstick.new_households(app, WARM_UP + rounds)
    with app.app_context():
        for household_id in ids[:WARM_UP]:  # parsed specs, current version, prepared statements
            yardstick.raw_start(specs, serializer)
            yardstick.our_start([household_id])
        markers.instrumentation_on()
        for household_id in ids[WARM_UP:]:
            with markers.measure("raw_start"):
                yardstick.raw_start(specs, serializer)
            with markers.measure("app_start"):
                yardstick.our_start([household_id])


def main():
    measured = command_line(__file__, __doc__, KINDS, 20, measured_run)
    if measured is None:
        return
    args, found = measured
    print(f"backend {backend()}, root {args.root}, {args.rounds} rounds: instructions per start "
          "(this process only; the database server's CPU is not counted)")
    for kind in KINDS:
        print(summary_line(kind, found[kind]))
    if found["raw_start"] and found["app_start"]:
        ratio = statistics.median(found["raw_start"]) / statistics.median(found["app_start"])
        print(f"  ratio raw / app (medians): {ratio:.3f}  (the issue's target: >= 0.5)")


if __name__ == "__main__":
    main()
