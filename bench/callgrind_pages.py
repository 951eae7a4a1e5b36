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
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench.callgrind_markers import Markers, backend, command_line, summary_line  # noqa: E402

KINDS = ("my_tasks", "open_task", "save_form", "finish_visit")


def measured_run(root, rounds, library):
    """Inside valgrind: seed, warm up, then ``rounds`` rounds with every request through its marker."""
    sys.path.insert(0, root)  # the measured checkout's app and bench helpers come first
    from bench.common import scratch_app, seed_visits
    from bench.profile_requests import work

    markers = Markers(library)
    app = scratch_app("callgrind")
    usernames, by_case = seed_visits(app, 60, 2)
    state = {"kind": None}
    inner = app.wsgi_app

    def through_marker(environ, start_response):
        kind = state["kind"]
        if kind is None:
            return inner(environ, start_response)
        with markers.measure(kind):
            return list(inner(environ, start_response))

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


def main():
    measured = command_line(__file__, __doc__, KINDS, 8, measured_run)
    if measured is None:
        return
    args, found = measured
    print(f"backend {backend()}, root {args.root}, {args.rounds} rounds: instructions per request (app only)")
    for kind in KINDS:
        print(summary_line(kind, found[kind]))


if __name__ == "__main__":
    main()
