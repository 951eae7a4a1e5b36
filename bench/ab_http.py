"""Two checkouts served at the same time on the same cores, half the assistants each: which costs less.

    .venv/bin/python bench/ab_http.py --db postgresql://postgres@127.0.0.1/bench \
        --a /path/to/base/checkout [--b .] [--users 100] [--seconds 20] [--rounds 3] \
        [--worker-class sync --workers 3 --threads 1] [--think-ms 0]

Whole ``bench_http.py`` runs of two checkouts one after the other cannot resolve a 10-20 % change
on a shared machine whose speed moves by half within the hour (the same code gave 221 to 355 work
requests/s in one session). Here both checkouts' gunicorn servers run at once, on one seeded
database, each with half the simulated assistants (the seeded village assistants split in two, so
the sides never work the same task). Whatever slows the machine slows both alike, in the same
seconds; a side whose requests cost less CPU serves more of them.

The database given is WIPED and seeded by this checkout's code (``--a`` must run on the same
schema). Per round, per side: work requests/s, visit completions/s, the server CPU p50 and mean of
each request type (the ``X-Cpu-Ms`` of ``bench/wsgi_cpu.py``), and gunicorn's CPU per work request
over the window (all its processes, from /proc). Then B / A for each figure, and at the end the
median of the rounds. Which side's threads start first alternates by round. It is not a test.
"""
import argparse
import os
import statistics
import sys
import threading
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench import bench_http  # noqa: E402  (after the path is set)
from bench.http_client import Browser, Stats, Stopped  # noqa: E402

WORK = bench_http.WORK


def run_side(side, stop, started):
    """Start ``side``'s simulated assistants; return their threads (they wait for ``side.stats.go``)."""
    stats = side.stats = Stats()
    browsers = [Browser("127.0.0.1", side.port, stats) for _ in range(side.users)]

    def run(browser, username):
        try:
            bench_http.assistant(browser, stats, username, stop, side.forms, side.think)
        except Stopped:
            pass
        finally:
            browser.close()

    threads = [threading.Thread(target=run, args=(browser, side.usernames[i % len(side.usernames)]))
               for i, browser in enumerate(browsers)]
    for thread in threads:
        thread.start()
    started.extend(threads)
    return threads


def run_round(sides, seconds, order):
    """Both sides at work in one window of ``seconds``; each side gets its figures as attributes."""
    stop, threads = threading.Event(), []
    for side in (sides if order == 0 else sides[::-1]):
        run_side(side, stop, threads)
    deadline = time.monotonic() + 300
    while any(side.stats.logged_in < side.users for side in sides) and time.monotonic() < deadline:
        time.sleep(0.05)
    for side in sides:
        with side.stats.lock:
            for kind in WORK:  # the log-in pages are not part of the timed mix
                side.stats.times[kind].clear()
                side.stats.cpu[kind].clear()
        side.cpu_before = bench_http.server_cpu_seconds(side.server)
    began = time.perf_counter()
    for side in sides:
        side.stats.go.set()
    time.sleep(seconds)
    for side in sides:
        side.stats.close()
        side.cpu_used = bench_http.server_cpu_seconds(side.server) - side.cpu_before
    elapsed = time.perf_counter() - began
    stop.set()
    for thread in threads:
        thread.join(90)
    for side in sides:
        side.figures = side_figures(side.stats, elapsed, side.cpu_used)


def side_figures(stats, elapsed, cpu_used):
    """One side's figures of one round: rates, CPU per work request, CPU p50/mean per request type."""
    work = sum(len(stats.times[kind]) for kind in WORK)
    figures = {"req/s": work / elapsed, "compl/s": stats.completions / elapsed,
               "gunicorn ms/req": cpu_used * 1000 / max(1, work),
               "errors": sum(stats.errors[kind] for kind in WORK)}
    for kind in WORK:
        cpu = stats.cpu[kind]
        figures[f"{kind} p50"] = statistics.median(cpu) if cpu else float("nan")
        figures[f"{kind} mean"] = statistics.fmean(cpu) if cpu else float("nan")
    return figures


def print_round(number, sides):
    """The round's figures of both sides and B / A."""
    a, b = sides
    print(f"\nround {number} (load average {os.getloadavg()[0]:.2f}; errors A {a.figures['errors']}, "
          f"B {b.figures['errors']})")
    print(f"  {'figure':<20} {'A':>9} {'B':>9} {'B / A':>7}")
    for name in a.figures:
        if name == "errors":
            continue
        print(f"  {name:<20} {a.figures[name]:>9.2f} {b.figures[name]:>9.2f} {b.figures[name] / a.figures[name]:>7.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="PostgreSQL URL (it is wiped)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--a", required=True, help="checkout A (the base), a directory")
    parser.add_argument("--b", default=ROOT, help="checkout B (the change), a directory; this one by default")
    parser.add_argument("--users", type=int, default=100, help="simulated assistants in all (half per side)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--think-ms", type=float, default=0.0)
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--villages", type=int, default=10)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep-alive", type=float, default=None)
    parser.add_argument("--gunicorn-args", default="", help="more gunicorn options for both sides")
    parser.add_argument("--a-args", default="", help="more gunicorn options for side A only")
    parser.add_argument("--b-args", default="", help="more gunicorn options for side B only (to compare settings)")
    args = parser.parse_args()
    usernames, forms = bench_http.seed(args.db, args.households, args.villages)
    sides = []
    try:
        for index, (root, extra) in enumerate(((args.a, args.a_args), (args.b, args.b_args))):
            side_args = argparse.Namespace(**dict(vars(args), gunicorn_args=f"{args.gunicorn_args} {extra}"))
            server, port, label = bench_http.start_server(side_args, args.worker_class, args.workers, args.threads,
                                                          root=os.path.abspath(root))
            print(f"{'AB'[index]}: {root} (gunicorn {label})")
            sides.append(SimpleNamespace(name="AB"[index], root=root, server=server, port=port, forms=forms,
                                         usernames=usernames[index::2], users=args.users // 2,
                                         think=args.think_ms / 1000))
        print(f"{args.users // 2} assistants per side (think {args.think_ms:g} ms), {args.seconds:g} s per round")
        ratios = []
        for number in range(1, args.rounds + 1):
            run_round(sides, args.seconds, number % 2)
            print_round(number, sides)
            ratios.append({name: sides[1].figures[name] / sides[0].figures[name]
                           for name in sides[0].figures if name != "errors"})
        print(f"\nmedian B / A over {args.rounds} rounds:")
        for name in ratios[0]:
            print(f"  {name:<20} {statistics.median(r[name] for r in ratios):.3f}")
    finally:
        for side in sides:
            side.server.terminate()
            side.server.wait(30)


if __name__ == "__main__":
    main()
