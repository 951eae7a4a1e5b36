"""Shared machinery of the callgrind benches (callgrind_pages.py, callgrind_starts.py).

A bench script runs itself under ``valgrind --tool=callgrind`` with instrumentation off
(:func:`run_under_valgrind`); inside, it turns instrumentation on after its warm-up and wraps each
measured piece of work in :meth:`Markers.measure`, which zeroes callgrind's counts before and dumps
them after, the dump named after the piece's kind. :func:`per_kind` reads the dumps back. The
markers are callgrind client requests from a tiny C library compiled here with cc.
This module imports nothing of the app: the measured checkout (``--root``) may be another one.
"""
import argparse
import contextlib
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile

C_SOURCE = """
#include <valgrind/callgrind.h>
void instrumentation_on(void) { CALLGRIND_START_INSTRUMENTATION; }
void zero(void) { CALLGRIND_ZERO_STATS; }
void dump(const char *kind) { CALLGRIND_DUMP_STATS_AT(kind); }
"""


def marker_library(folder):
    """The C marker functions compiled into a shared library in ``folder``; its path."""
    source, library = os.path.join(folder, "markers.c"), os.path.join(folder, "markers.so")
    with open(source, "w") as handle:
        handle.write(C_SOURCE)
    # -O0 and no inlining: each marker stays a function of its own that callgrind names
    subprocess.run(["cc", "-O0", "-shared", "-fPIC", "-o", library, source], check=True)
    return library


class Markers:
    """The marker library loaded in the measured process (under valgrind)."""

    def __init__(self, library):
        import ctypes

        self._lib = ctypes.CDLL(library)

    def instrumentation_on(self):
        """Start counting (valgrind runs with ``--instr-atstart=no``)."""
        self._lib.instrumentation_on()

    def zero(self):
        """Forget the counts so far."""
        self._lib.zero()

    def dump(self, kind):
        """Write the counts since the last zero as one dump named ``kind``."""
        self._lib.dump(kind.encode())

    @contextlib.contextmanager
    def measure(self, kind):
        """The instructions of the block, dumped under ``kind``."""
        self.zero()
        try:
            yield
        finally:
            self.dump(kind)


def run_under_valgrind(script, arguments, keep=None, prefix="callgrind-"):
    """Run ``script`` with ``arguments`` + ``--inside <marker library>`` under callgrind
    (PYTHONHASHSEED fixed, so dict and set orders repeat); the callgrind output file's base path."""
    folder = tempfile.mkdtemp(prefix=prefix)
    library = marker_library(folder)
    out_file = os.path.join(keep or folder, "callgrind.out")
    os.makedirs(os.path.dirname(out_file), exist_ok=True)
    environment = dict(os.environ, PYTHONHASHSEED="0")
    with open(os.path.join(folder, "log"), "w") as log:  # valgrind's and the seeding's chatter
        subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out_file}",
                        sys.executable, os.path.abspath(script), *arguments, "--inside", library],
                       env=environment, check=True, stdout=log, stderr=log)
    return out_file


def per_kind(out_file, kinds):
    """{kind: [instructions of each dump of that kind]} from callgrind's dumps (one file each)."""
    found = {kind: [] for kind in kinds}
    for path in sorted(glob.glob(out_file + ".*"), key=lambda p: int(p.rsplit(".", 1)[1])):
        with open(path) as handle:
            text = handle.read()
        kind = re.search(r"^desc: Trigger: Client Request: (\w+)", text, re.M)
        total = re.search(r"^(?:totals|summary): (\d+)", text, re.M)
        if kind and total and kind.group(1) in found:
            found[kind.group(1)].append(int(total.group(1)))
    return found


def backend():
    """The database the run used: DATABASE_URL's (PostgreSQL) or SQLite."""
    return "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


def summary_line(kind, counts):
    """One printed line: median, min and max instructions (millions) of ``kind``'s dumps."""
    values = counts or [0]
    return (f"  {kind:<13} median {statistics.median(values) / 1e6:8.3f} M  min {min(values) / 1e6:8.3f} M  "
            f"max {max(values) / 1e6:8.3f} M  ({len(counts)} dumps)")


def command_line(script, doc, kinds, rounds, measured_run, switches=()):
    """A callgrind bench's command line (``--root``, ``--rounds``, ``--keep`` and the on/off
    ``switches``: {flag: help}). Under valgrind (``--inside``): call ``measured_run(root, rounds,
    marker library, **the switches by name)``, return None. Otherwise run ``script`` under valgrind
    and return (the parsed arguments, :func:`per_kind` of its dumps)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    here = os.path.dirname(os.path.abspath(script))
    parser.add_argument("--root", default=os.path.dirname(here), help="the checkout whose app is measured")
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--keep", help="write the callgrind output files into this folder")
    for flag, text in dict(switches).items():
        parser.add_argument(flag, action="store_true", help=text)
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the marker library: we run under valgrind
    args = parser.parse_args()
    chosen = {flag: getattr(args, flag.lstrip("-").replace("-", "_")) for flag in dict(switches)}
    if args.inside:
        measured_run(os.path.abspath(args.root), args.rounds, args.inside,
                     **{flag.lstrip("-").replace("-", "_"): on for flag, on in chosen.items()})
        return None
    out_file = run_under_valgrind(script, ["--root", args.root, "--rounds", str(args.rounds),
                                           *[flag for flag, on in chosen.items() if on]],
                                  args.keep, f"{os.path.splitext(os.path.basename(script))[0]}-")
    return args, per_kind(out_file, kinds)
