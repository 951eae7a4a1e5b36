"""Escape and exhaustion probes against the restricted engine, one line each.

Each probe is diagram code placed where a diagram would carry it: a script task, a gateway
condition or a timer expression (tests/security/probe_diagram.py). It must be refused with the
expected error code, quickly: at deploy (the admin's upload validates every fragment and
evaluates every timer) or, when only running it can tell, as an incident on the case, with
the worker, the request and the database intact. A new probe is one new line.
"""
import datetime
import time

import pytest

from webapp import engine
from webapp.models import Incident

from .probe_diagram import deploy_probe, start_probe_case

# The budget is 1 s of wall clock per evaluation; this leaves room for a loaded machine.
QUICK_SECONDS = 8

PROBES = [
    # -- escape: attributes the old checker never saw ------------------------------------------------
    ("match x:\n    case str(format=f):\n        y = f", "script", "statement"),
    ("match x:\n    case {'k': v}:\n        y = v", "script", "statement"),
    ("'{0}'.format(x)", "condition", "attribute"),
    ("'{a}'.format_map({'a': x})", "condition", "attribute"),
    ("y = str.format('{0}', x)", "script", "attribute"),
    ("y = f'{x!r}'", "script", "fstring"),
    ("y = f'{x:>10}'", "script", "fstring"),
    ("y = b'abc'", "script", "bytes"),
    ("y = '_' * 2 + 'class' + '_' * 2", "script", "dunder_built"),
    ("y = ''.join(['_', '_', 'dict', '_', '_'])", "script", "dunder_built"),
    ("y = 'x'.replace('x', '_' * 2)", "script", "dunder_built"),
    ("y = '{0.__class__}'", "script", "dunder"),
    ("y = x.__class__", "script", "attribute"),
    ("y = getattr(x, 'real')", "script", "name"),
    ("y = datetime.today.__globals__", "script", "attribute"),
    ("y = len.__self__", "script", "attribute"),
    ("y = (lambda: 1)()", "script", "statement"),
    ("import os", "script", "statement"),
    ("y = vars()", "script", "name"),
    ("y = sorted([x], key=str.lower)", "script", "attribute"),
    ("y = sorted([x], key=x)", "script", "call"),
    ("y = x()", "script", "call"),
    ("y = json_dumps(x, default=str)", "script", "call"),
    ("y = when.replace(year=2000)", "script", "attribute"),  # an object left in task data
    ("y = [1, 2][::1].copy.__self__", "script", "attribute"),
    # -- exhaustion: time ---------------------------------------------------------------------------
    ("while True:\n    pass", "script", ("steps", "time")),
    ("all(True for i in range(10**6) for j in range(10**6))", "condition", ("steps", "time")),
    ("sum(i for i in range(10**6) for j in range(10**6))", "timer", ("steps", "time")),
    # -- exhaustion: size ---------------------------------------------------------------------------
    ("y = sum(range(10**13))", "script", "size"),
    ("sum(range(10**13)) > 0", "condition", "size"),
    ("y = 9**9**9", "script", "int"),
    ("9**9**9 > 0", "condition", "int"),
    ("'P' + str(9**9**9) + 'D'", "timer", "int"),
    ("y = 1 << 10**9", "script", "int"),
    ("y = 'a' * 10**10", "script", "size"),
    ("len('a' * 10**10) > 0", "condition", "size"),
    ("'P' + 'a' * 10**10", "timer", "size"),
    ("y = [1] * 10**9", "script", "size"),
    ("y = 'a'.zfill(10**9)", "script", "size"),
    ("y = 'ab'.replace('', 'x' * 10**6)", "script", "size"),
    ("y = '%*d' % (10**9, 1)", "script", "format_width"),
    ("y = '%s' % [[1] * 1000] * 1000", "script", "format_value"),
    ("s = 'a' * 10**6\ny = ('%s' * 1000) % tuple([s] * 1000)", "script", "size"),
    ("y = int('9' * 4000)", "script", "int"),
    ("y = [[1] * 10**6 for i in range(100)]", "script", "memory"),
    ("y = []\nwhile True:\n    y.append('a' * 1000)", "script", "memory"),
    ("a = [0] * 1000\nb = [0] * 1000\ny = [a] * 1000 == [b] * 1000", "script", "nested"),
    ("y = []\ny.append(y)\nz = str(y)", "script", "nested"),
    ("t = (1,)\nfor i in range(60):\n    t = (t, t)", "script", "nested_tuple"),
    ("y = round(10**300, -10**9)", "script", "operand"),
    # -- crashes: nesting and values that cannot be saved ----------------------------------------------
    ("-" * 5000 + "1", "condition", "too_deep"),
    ("y = " + "[" * 90 + "1" + "]" * 90, "script", "too_deep"),
    # Deeper than Python's recursion limit (a recursive serializer would crash), in few enough steps
    # that the data check, not the time limit, refuses it on a loaded machine too.
    ("y = []\nfor i in range(1500):\n    y = [y]", "script", "data"),
    ("y = (i for i in range(3))", "script", "data"),
    ("y = len", "script", "data"),
    # -- timers out of range --------------------------------------------------------------------------
    ('"P99999Y"', "timer", "timer_range"),
    ('"PT10S"', "timer", "timer_range"),
    ('"seven days"', "timer", "timer_parse"),
]


def _slots(source, where):
    if where == "script":
        return {"script": source}
    if where == "condition":
        return {"condition": source}
    return {"timer": source}


@pytest.mark.parametrize("source,where,expected", PROBES, ids=[f"{w}:{s[:40]}" for s, w, _ in PROBES])
def test_probe_is_refused_quickly(village, source, where, expected):
    expected = expected if isinstance(expected, tuple) else (expected,)
    started = time.perf_counter()
    try:
        deploy_probe(**_slots(source, where))
    except engine.DiagramInvalid as err:
        codes = {problem.code for problem in err.problems}
        assert codes & set(expected), [str(p) for p in err.problems]
        assert time.perf_counter() - started < QUICK_SECONDS
        return
    assert where != "timer", "timers are evaluated at deploy and must be refused there"
    case = start_probe_case({"x": 1, "when": datetime.datetime(2024, 1, 1)})
    incident = Incident.query.filter_by(case_id=case.id, status="open").one()
    assert incident.error_code in expected, (incident.error_code, incident.error_params, incident.detail)
    assert incident.element == ("probe_script" if where == "script" else "probe_gateway")
    assert case.instances[0].status == "incident"
    assert time.perf_counter() - started < QUICK_SECONDS


def test_ordinary_diagram_code_still_runs(village):
    deploy_probe(script="names = ['a', 'b']\ntotal = x + len(names)\nlabel = f'{total}-' + '-'.join(names)\n"
                        "pairs = dict(zip(names, range(2)))\nfor k, v in pairs.items():\n    total += v",
                 condition="total > 100 or label == 'never'", timer='"P3D"')
    case = start_probe_case({"x": 1})
    assert Incident.query.count() == 0
    instance = case.instances[0]
    assert instance.status == "running" and instance.next_timer_at is not None
    assert '"label":"3-a-b"' in instance.state and '"total":4' in instance.state
