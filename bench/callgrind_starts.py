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
it is counted. Instructions are not time: SpiffWorkflow's JSON encoding in raw runs many more
instructions per cycle than the interpreter's and the ORM's attribute and dictionary work that an
app start is mostly made of, so the ratio here reads well above bench_cases.py's ratio of CPU
times (a before/after of the app is what it is for). ``--phases`` prints each phase's own
instructions (bench/start_phases.py; the phase boundaries add a few thousand each). It is not a test.
"""
import gc
import importlib.util
import json
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench.callgrind_markers import Markers, backend, command_line, summary_line  # noqa: E402

KINDS = ("raw_start", "app_start")
PHASE_NAMES = "CALLGRIND_STARTS_PHASE_NAMES"  # environment: the file the phases' names are written to
MOST_PHASES = 64
WARM_UP = 5


def _own(root, name):
    """This checkout's bench/<name>.py as a module, with the app (and bench/common.py) of ``root``."""
    sys.path.insert(0, root)
    import bench.common  # noqa: F401  (imported from root before the module puts this checkout first)
    import webapp  # noqa: F401

    spec = importlib.util.spec_from_file_location(f"own_{name}", os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.path.insert(0, root)  # the measured checkout first again for anything imported later
    return module


def _through_phases(markers):
    """Wrap each phase of bench/start_phases.py (and the bench's household query and commit) so that
    the instructions since the last phase boundary are dumped under the phase running then: each
    phase's own instructions, without the phases called inside it. {dump name: label}."""
    from sqlalchemy.orm import Query, Session

    running, names = ["app_start"], {"app_start": "(the rest of the start: not in a phase below)"}
    listed = [(Query, "all", "household query (the bench's Query.all)")] + _own_phases() + \
        [(Session, "commit", "commit (Session.commit)")]
    for index, (owner, attribute, label) in enumerate(listed):
        function, name = getattr(owner, attribute), f"phase_{index}"
        names[name] = label

        def wrapper(*args, _function=function, _name=name, **kwargs):
            markers.dump(running[-1])
            running.append(_name)
            try:
                return _function(*args, **kwargs)
            finally:
                markers.dump(running.pop())
        setattr(owner, attribute, wrapper)
    return names


def _own_phases():
    return _OWN["start_phases"].phases()


_OWN = {}


def measured_run(root, rounds, library, phases=False):
    """Inside valgrind: set up, warm up, then ``rounds`` rounds of one raw and one app start, each marked
    (``phases``: the app start's phases each dumped on their own, their names written to PHASE_NAMES)."""
    yardstick = _OWN["bench_cases"] = _own(root, "bench_cases")
    _OWN["start_phases"] = _own(root, "start_phases")
    markers = Markers(library)
    app = yardstick.deployed_app("callgrind-starts")
    specs, serializer = yardstick.deployed_specs(app), yardstick.raw_serializer()
    ids = yardstick.new_households(app, WARM_UP + rounds)
    with app.app_context():
        for household_id in ids[:WARM_UP]:  # parsed specs, current version, prepared statements
            yardstick.raw_start(specs, serializer)
            yardstick.our_start([household_id])
        if phases:
            with open(os.environ[PHASE_NAMES], "w") as handle:
                json.dump(_through_phases(markers), handle)
        # Each start begins from the same garbage collector state: what is there after the warm-up
        # frozen (never traversed again), the young generations emptied before each start (not
        # counted). So each start pays the collections its own allocations cause, the same each
        # run; otherwise where the collector's counters stand shifts the medians by about 1 %.
        gc.collect()
        gc.freeze()
        markers.instrumentation_on()
        for household_id in ids[WARM_UP:]:
            gc.collect()
            with markers.measure("raw_start"):
                yardstick.raw_start(specs, serializer)
            gc.collect()
            with markers.measure("app_start"):
                yardstick.our_start([household_id])


def main():
    if PHASE_NAMES not in os.environ:  # set here, read inside valgrind (the environment goes along)
        os.environ[PHASE_NAMES] = os.path.join(tempfile.mkdtemp(prefix="callgrind-starts-phases-"), "names.json")
    kinds = KINDS + tuple(f"phase_{index}" for index in range(MOST_PHASES))
    measured = command_line(__file__, __doc__, kinds, 20, measured_run,
                            {"--phases": "each phase's own instructions per start (bench/start_phases.py)"})
    if measured is None:
        return
    args, found = measured
    print(f"backend {backend()}, root {args.root}, {args.rounds} rounds: instructions per start "
          "(this process only; the database server's CPU is not counted)")
    if args.phases:
        _print_phases(found, args.rounds)
        return
    for kind in KINDS:
        print(summary_line(kind, found[kind]))
    if found["raw_start"] and found["app_start"]:
        ratio = statistics.median(found["raw_start"]) / statistics.median(found["app_start"])
        print(f"  ratio raw / app (medians): {ratio:.3f}  (the issue's target: >= 0.5)")


def _print_phases(found, rounds):
    """Each phase's own instructions per start (the sum over the rounds / rounds: a phase may run
    several times in a start, or not at all), in the phase list's order, and the whole start."""
    with open(os.environ[PHASE_NAMES]) as handle:
        names = json.load(handle)
    print(summary_line("raw_start", found["raw_start"]))
    whole = 0
    for name, label in names.items():
        own = sum(found[name]) / rounds
        whole += own
        print(f"  {label:<52} {own / 1e6:8.3f} M own  ({len(found[name]) / rounds:g} dumps a start)")
    print(f"  {'app start, all phases':<52} {whole / 1e6:8.3f} M  (the means: a rare garbage collection counts)")


if __name__ == "__main__":
    main()
