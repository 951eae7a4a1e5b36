"""Instructions per work request (my tasks, task page, form save, visit completion), counted by callgrind.

    .venv/bin/python bench/callgrind_pages.py                     # SQLite, this checkout
    .venv/bin/python bench/callgrind_pages.py --root /work/wt/base # the same requests on another checkout
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/callgrind_pages.py

Runs itself under ``valgrind --tool=callgrind`` with instrumentation off while the scratch database
is seeded (bench/common.py; PostgreSQL is WIPED) and the assistant's warm-up rounds run
(bench/profile_requests.py's loop), then on for ``--rounds`` rounds. Around each request the WSGI
app zeroes callgrind's counts and dumps them named after the request's kind (client requests from
a tiny C library compiled here with cc), so each dump holds the app's own instructions for one
request, the test client's work left out. Prints instructions per request by kind. Deterministic to within a fraction of a
percent for the same code (PYTHONHASHSEED is fixed), so a change of a few percent shows where
paired CPU timings on a shared machine cannot. The database server's work is not counted.
It is not a test.
"""
import argparse
import glob
import statistics
import os
import re
import subprocess
import sys
import tempfile

KINDS = ("my_tasks", "open_task", "save_form", "finish_visit")
HERE = os.path.dirname(os.path.abspath(__file__))

C_SOURCE = """
#include <valgrind/callgrind.h>
void instrumentation_on(void) { CALLGRIND_START_INSTRUMENTATION; }
void zero(void) { CALLGRIND_ZERO_STATS; }
void dump(const char *kind) { CALLGRIND_DUMP_STATS_AT(kind); }
"""


def _marker_library(folder):
    """The C marker functions compiled into a shared library in ``folder``; its path."""
    source, library = os.path.join(folder, "markers.c"), os.path.join(folder, "markers.so")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    # -O0 and no inlining: each marker stays a function of its own that callgrind names
    subprocess.run(["cc", "-O0", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


def measured_run(root, rounds, library):
    """Inside valgrind: seed, warm up, then ``rounds`` rounds with every request through its marker."""
    import ctypes

    sys.path.insert(0, root)
    from bench.common import scratch_app, seed_visits
    from bench.profile_requests import work

    markers = ctypes.CDLL(library)
    app = scratch_app("callgrind")
    usernames, by_case = seed_visits(app, 60, 2)
    state = {"kind": None}
    inner = app.wsgi_app

    def through_marker(environ, start_response):
        kind = state["kind"]
        if kind is None:
            return inner(environ, start_response)
        markers.zero()
        try:
            return list(inner(environ, start_response))
        finally:
            markers.dump(kind.encode())

    app.wsgi_app = through_marker

    def unmarked(kind, fn):
        return fn()

    def marked(kind, fn):
        state["kind"] = kind
        try:
            return fn()
        finally:
            state["kind"] = None

    work(app, usernames[0], by_case, 3, unmarked)  # warm-up: parsed specs, templates, kept patterns
    markers.instrumentation_on()
    done = work(app, usernames[0], by_case, rounds, marked)
    print(f"rounds done: {done}", file=sys.stderr)


def _per_kind(out_file):
    """{kind: [instructions of each request]} from callgrind's dumps (one file per request)."""
    found = {kind: [] for kind in KINDS}
    for path in sorted(glob.glob(out_file + ".*"), key=lambda p: int(p.rsplit(".", 1)[1])):
        with open(path) as handle:
            text = handle.read()
        kind = re.search(r"^desc: Trigger: Client Request: (\w+)", text, re.M)
        total = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if kind and total and kind.group(1) in found:
            found[kind.group(1)].append(int(total.group(1)))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(HERE), help="the checkout whose app is measured")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--keep", help="write the callgrind output files into this folder")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the marker library: we run under valgrind
    args = parser.parse_args()
    if args.inside:
        measured_run(os.path.abspath(args.root), args.rounds, args.inside)
        return
    folder = tempfile.mkdtemp(prefix="callgrind-pages-")
    library = _marker_library(folder)
    out_file = os.path.join(args.keep or folder, "callgrind.out")
    os.makedirs(os.path.dirname(out_file), exist_ok=True)
    environment = dict(os.environ, PYTHONHASHSEED="0")
    with open(os.path.join(folder, "log"), "w") as log:  # valgrind's and the seeding's chatter
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}",
                        sys.executable, os.path.abspath(__file__), "--root", args.root, "--rounds",
                        str(args.rounds), "--inside", library], env=environment, check=True, stdout=log, stderr=log)
    found = _per_kind(out_file)
    backend = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    print(f"backend {backend}, root {args.root}, {args.rounds} rounds: instructions per request (app only)")
    for kind in KINDS:
        counts = found[kind] or [0]
        print(f"  {kind:<13} median {statistics.median(counts) / 1e6:8.3f} M  min {min(counts) / 1e6:8.3f} M  "
              f"max {max(counts) / 1e6:8.3f} M  ({len(found[kind])} requests)")


if __name__ == "__main__":
    main()
