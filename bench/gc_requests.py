"""What the cyclic garbage collector costs per work request, with and without ``gc.freeze()``.

    .venv/bin/python bench/gc_requests.py                       # SQLite (temporary file)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/gc_requests.py

One assistant's rounds (bench/profile_requests.py's loop: my tasks, task page, form save, visit
completion) after a warm-up, in blocks of ``--block`` rounds that take turns between settings:
the interpreter's defaults, ``gc.freeze()`` of everything alive after the warm-up (what
webapp/wsgi.py does after ``create_app``), and that with a higher gen0 threshold. ``gc.callbacks``
time every collection; prints per setting the collector's milliseconds per round and per
request, collections per generation, and the app's CPU per round. The database is WIPED
(PostgreSQL) or a temporary file (SQLite). It is not a test.
"""
import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app, seed_visits  # noqa: E402
from bench.profile_requests import logged_in, one_round  # noqa: E402

DEFAULT_THRESHOLD = gc.get_threshold()


def _full_collection_ms():
    """Milliseconds of one full collection, then of one with everything alive frozen."""
    gc.collect()
    spent = []
    for freeze in (False, True):
        if freeze:
            gc.freeze()
        started = time.perf_counter()
        gc.collect()
        spent.append((time.perf_counter() - started) * 1000)
    gc.unfreeze()
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=120)
    parser.add_argument("--villages", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=90, help="rounds in all (each setting gets a third)")
    parser.add_argument("--block", type=int, default=5, help="rounds in a row under one setting")
    parser.add_argument("--gen0", type=int, default=7000, help="the raised gen0 threshold of the third setting")
    args = parser.parse_args()
    app = scratch_app("gc")
    usernames, by_case = seed_visits(app, args.households, args.villages)
    client = logged_in(app, usernames[0])
    for _ in range(3):  # warm-up: parsed specs, templates, compiled statements
        assert one_round(app, client, by_case, lambda kind, fn: fn())
    full_ms = _full_collection_ms()

    settings = {
        "default": lambda: (gc.unfreeze(), gc.set_threshold(*DEFAULT_THRESHOLD)),
        "freeze": lambda: (gc.freeze(), gc.set_threshold(*DEFAULT_THRESHOLD)),
        f"freeze+gen0={args.gen0}": lambda: (gc.freeze(), gc.set_threshold(args.gen0, *DEFAULT_THRESHOLD[1:])),
    }
    gc_ms = {name: [] for name in settings}
    cpu_ms = {name: [] for name in settings}
    counts = {name: [0, 0, 0] for name in settings}
    current = {"name": None, "started": 0.0, "spent": 0.0}

    def on_gc(phase, info):
        if current["name"] is None:
            return
        if phase == "start":
            current["started"] = time.perf_counter()
        else:
            current["spent"] += time.perf_counter() - current["started"]
            counts[current["name"]][info["generation"]] += 1

    gc.callbacks.append(on_gc)
    done, frozen_at_start = 0, None
    try:
        while done < args.rounds:
            for name, apply in settings.items():
                apply()
                if frozen_at_start is None and name != "default":
                    frozen_at_start = gc.get_freeze_count()
                for _ in range(args.block):
                    current.update(name=name, spent=0.0)
                    started = time.thread_time()
                    if not one_round(app, client, by_case, lambda kind, fn: fn()):
                        raise SystemExit(f"no task left after {done} rounds: seed more --households")
                    cpu_ms[name].append((time.thread_time() - started) * 1000)
                    gc_ms[name].append(current["spent"] * 1000)
                    current["name"] = None
                    done += 1
    finally:
        gc.callbacks.remove(on_gc)
        gc.unfreeze()
        gc.set_threshold(*DEFAULT_THRESHOLD)
    with app.app_context():
        from webapp.extensions import db
        backend = db.engine.dialect.name
    print(f"backend {backend}: {done} rounds of 4 requests in blocks of {args.block}; "
          f"{frozen_at_start} objects frozen after the warm-up")
    print(f"  a full collection (gen2, as the collector runs now and then) after the warm-up: "
          f"{full_ms[0]:.1f} ms, after gc.freeze() {full_ms[1]:.2f} ms")
    for name in settings:
        rounds = len(gc_ms[name])
        print(f"  {name:<18} gc per round: mean {statistics.mean(gc_ms[name]):5.2f} ms "
              f"(per request {statistics.mean(gc_ms[name]) / 4:5.3f} ms), max {max(gc_ms[name]):5.2f} ms; "
              f"collections per round gen0 {counts[name][0] / rounds:4.1f} gen1 {counts[name][1] / rounds:4.2f} "
              f"gen2 {counts[name][2] / rounds:4.2f}; "
              f"round cpu p50 {statistics.median(cpu_ms[name]):6.1f} ms (test client included)")


if __name__ == "__main__":
    main()
