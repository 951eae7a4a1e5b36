"""The restricted script engine refuses every construct that could escape into Python."""
import pytest

from webapp.engine.scripting import RestrictedEnvironment, UnsafeScript, check_source

FORBIDDEN_EXPRESSIONS = [
    "().__class__.__base__.__subclasses__()",
    "''.__class__.__mro__[1].__subclasses__()",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "eval('1+1')",
    "exec('x = 1')",
    "compile('1', 'x', 'eval')",
    "getattr(1, '__class__')",
    "globals()",
    "vars()",
    "'{0.__class__}'.format(1)",
    "(lambda: 1)()",
    "[c for c in ().__class__.__bases__]",
    "x.__dict__",
    "type(1)",
    "breakpoint()",
]
FORBIDDEN_SCRIPTS = [
    "import os",
    "from os import system",
    "import subprocess as s",
    "def f():\n    return 1",
    "class A: pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "global y",
    "with open('f') as h: pass",
    "del x",
]


@pytest.mark.parametrize("expression", FORBIDDEN_EXPRESSIONS)
def test_forbidden_expressions_are_refused(expression):
    with pytest.raises(UnsafeScript):
        RestrictedEnvironment().evaluate(expression, {"x": 1})


@pytest.mark.parametrize("script", FORBIDDEN_SCRIPTS)
def test_forbidden_statements_are_refused(script):
    with pytest.raises(UnsafeScript):
        RestrictedEnvironment().execute(script, {"x": 1})


def test_builtins_are_not_reachable_even_without_names():
    # No name, no attribute: the only route left would be the builtins dict, which is replaced.
    env = RestrictedEnvironment()
    with pytest.raises(UnsafeScript):
        env.evaluate("print", {})
    with pytest.raises(NameError):
        env.evaluate("Exception", {})


def test_ordinary_conditions_and_assignments_work():
    env = RestrictedEnvironment()
    assert env.evaluate("review_decision == 'return'", {"review_decision": "return"}) is True
    assert env.evaluate('"P3D"', {}) == "P3D"
    data = {"count": 2, "names": ["a", "b"]}
    env.execute("total = count + len(names)\nlabel = str(total)", data)
    assert data["total"] == 4 and data["label"] == "4"


def test_check_source_reports_the_line():
    with pytest.raises(UnsafeScript) as err:
        check_source("x = 1\ny = (", "exec")
    assert "第 2 行" in str(err.value)
