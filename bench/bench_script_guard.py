"""Per-evaluation cost of the restricted engine's guard (python bench/bench_script_guard.py).

Compares, for a gateway condition and a small script task: plain ``eval``/``exec`` of code
compiled once (no checks at all), the guarded engine (checked once, cached, every operation
through the guard, a fresh budget per evaluation), and the engine as it was before the guard
(checked and compiled again on every evaluation, no limits).
"""
import importlib.util
import os
import sys
import timeit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from webapp.engine.scripting import RestrictedEnvironment  # noqa: E402

CONDITION = "review_decision == 'return' and len(review_comment) > 0"
SCRIPT = "total = count + len(names)\nlabel = str(total) + '-' + names[0]\nok = total > 2"
DATA = {"review_decision": "return", "review_comment": "缺电话", "count": 2, "names": ["a", "b"]}


def _old_environment(path):
    spec = importlib.util.spec_from_file_location("old_scripting", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RestrictedEnvironment()


def _per_call_us(fn, number=20000):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main(old_path=None):
    env = RestrictedEnvironment()
    cond_code, script_code = compile(CONDITION, "<c>", "eval"), compile(SCRIPT, "<s>", "exec")
    rows = [
        ("condition, plain eval", _per_call_us(lambda: eval(cond_code, dict(DATA)))),  # noqa: S307
        ("condition, guarded", _per_call_us(lambda: env.evaluate(CONDITION, DATA))),
        ("script, plain exec", _per_call_us(lambda: exec(script_code, dict(DATA)))),  # noqa: S102
        ("script, guarded", _per_call_us(lambda: env.execute(SCRIPT, dict(DATA)))),
    ]
    if old_path:
        old = _old_environment(old_path)
        rows += [("condition, before the guard", _per_call_us(lambda: old.evaluate(CONDITION, DATA))),
                 ("script, before the guard", _per_call_us(lambda: old.execute(SCRIPT, dict(DATA))))]
    for name, value in rows:
        print(f"{name:32s} {value:8.2f} µs")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
