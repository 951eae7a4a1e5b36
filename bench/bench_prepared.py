"""Prepared statements off and on (webapp/infra/prepared.py), paired and alternated in one process.

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_prepared .venv/bin/python bench/bench_prepared.py

The database is WIPED and seeded as in bench/profile_requests.py; one village assistant works
through the test client (my tasks, task page, form save, visit completion), the switch off and on
taking turns round by round (off/on, then on/off, ...; ``--rounds`` pairs per block, ``--alternations``
blocks each reported on its own) on the same app, connections and database. Per request type it prints the median app CPU (the thread's
CPU inside the WSGI app) and the median PostgreSQL CPU (the scheduler's count of the app's
backends, /proc/<pid>/schedstat: per request without /proc/<pid>/stat's 10 ms ticks; the whole
run's utime+stime from /proc/<pid>/stat as a cross-check), and their sum, per block and over all.
It is not a test.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench.common import scratch_app, seed_visits  # noqa: E402
from bench.profile_requests import KINDS, Recorder, logged_in, one_round, work  # noqa: E402

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def _stat_ms(pids):
    """utime + stime of the backends, in ms (10 ms ticks)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except OSError:
            pass
    return total * TICK_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=60)
    parser.add_argument("--villages", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=20, help="off/on pairs of assistant loops per block")
    parser.add_argument("--alternations", type=int, default=3, help="blocks, each reported on its own")
    parser.add_argument("--cold", action="store_true", help="no kept workflows before each request")
    args = parser.parse_args()
    app = scratch_app("prepared")
    from webapp.extensions import db
    from webapp.infra import prepared

    usernames, by_case = seed_visits(app, args.households, args.villages)
    with app.app_context():
        engine = db.engine
    assert engine.dialect.name == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    recorders = {mode: Recorder(engine, False, cold=args.cold) for mode in ("off", "on")}
    current = [recorders["off"]]
    inner = app.wsgi_app

    def measured(environ, start_response):  # the app's own CPU, into the running mode's recorder
        started = time.thread_time()
        try:
            return list(inner(environ, start_response))
        finally:
            current[0]._server_ms += (time.thread_time() - started) * 1000

    app.wsgi_app = measured
    for mode in ("on", "off"):  # warm-up of both: parsed specs, templates, prepared statements
        (prepared.enable if mode == "on" else prepared.disable)(engine)
        work(app, usernames[0], by_case, 3, recorders[mode])
    for recorder in recorders.values():
        for series in (recorder.wall, recorder.cpu, recorder.server_cpu, recorder.queries, recorder.database_cpu):
            series.clear()
    client = logged_in(app, usernames[0])
    runs = []
    for block in range(args.alternations):
        marks = {mode: {kind: len(recorders[mode].server_cpu[kind]) for kind in KINDS} for mode in recorders}
        prepares, stat = dict.fromkeys(recorders, 0), dict.fromkeys(recorders, 0.0)
        for pair in range(args.rounds):
            # off/on, then on/off: neither mode always runs second (warmer caches, a busier machine)
            for mode in (("off", "on") if pair % 2 == 0 else ("on", "off")):
                (prepared.enable if mode == "on" else prepared.disable)(engine)
                recorder = current[0] = recorders[mode]
                before, stat_before = prepared.counts["prepare"], _stat_ms(recorder._backends)
                assert one_round(app, client, by_case, recorder), "no task left"
                prepares[mode] += prepared.counts["prepare"] - before
                stat[mode] += _stat_ms(recorder._backends) - stat_before
        for mode in ("off", "on"):
            recorder = recorders[mode]
            runs.append((block, mode, args.rounds, prepares[mode], stat[mode],
                         {kind: (statistics.median(recorder.server_cpu[kind][marks[mode][kind]:]),
                                 statistics.median(recorder.database_cpu[kind][marks[mode][kind]:]))
                          for kind in KINDS}))
    print(f"{args.alternations} blocks of {args.rounds} off/on pairs of rounds by one assistant"
          f"{' (cold)' if args.cold else ''}; per request type: app / PostgreSQL CPU p50 ms")
    for block, mode, done, prepares, stat_ms, figures in runs:
        print(f"  block {block} {mode:<3} {done} rounds, {prepares} PREPAREs, backends' utime+stime "
              f"{stat_ms / max(done, 1):5.2f} ms/round  " +
              "  ".join(f"{kind} {app_ms:5.2f}/{db_ms:4.2f}" for kind, (app_ms, db_ms) in figures.items()))
    print("  over all blocks (p50 ms)       app off    app on   PG off    PG on   sum off   sum on   change")
    for kind in KINDS:
        app_off, app_on = (statistics.median(recorders[mode].server_cpu[kind]) for mode in ("off", "on"))
        db_off, db_on = (statistics.median(recorders[mode].database_cpu[kind]) for mode in ("off", "on"))
        print(f"  {kind:<30} {app_off:8.2f} {app_on:8.2f} {db_off:8.2f} {db_on:8.2f} {app_off + db_off:9.2f} "
              f"{app_on + db_on:8.2f} {(app_on + db_on) / (app_off + db_off) - 1:+8.1%}")
    statements = {mode: statistics.median(recorders[mode].queries["finish_visit"]) for mode in ("off", "on")}
    print(f"  statements per completion (p50): off {statements['off']:.0f}, on {statements['on']:.0f}; "
          f"prepared.counts over the whole run {prepared.counts}")


if __name__ == "__main__":
    main()
