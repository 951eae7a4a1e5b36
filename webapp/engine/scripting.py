"""A restricted script engine for conditions, timer expressions and script tasks.

SpiffWorkflow's default engine hands diagram text to ``eval``/``exec``. Diagrams can be
uploaded by administrators, so every expression is checked against an allow-list of syntax,
names and attributes (sandbox.py), and runs rewritten onto a guard (guards.py) that bounds its
time, its steps and the size of everything it builds. What a script leaves in the task data
must be plain JSON data (text, numbers, lists, dictionaries), or the script fails: the task
data is saved as JSON and read by other scripts.
"""
import json

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from .errors import ScriptLimitExceeded, UnsafeScript
from .allowed import DateHelpers
from .guards import Guard, Limits
from .sandbox import FORBIDDEN_NAMES, check_source, compile_checked

__all__ = ["RestrictedEnvironment", "RestrictedScriptEngine", "UnsafeScript", "ScriptLimitExceeded",
           "check_source", "FORBIDDEN_NAMES", "SAFE_BUILTINS", "Limits", "check_data"]

SAFE_BUILTINS = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "enumerate": enumerate, "float": float,
    "int": int, "len": len, "list": list, "max": max, "min": min, "range": range, "round": round, "set": set,
    "sorted": sorted, "str": str, "sum": sum, "tuple": tuple, "zip": zip, "isinstance": isinstance,
    "True": True, "False": False, "None": None,
}
# What task data may hold after a script: JSON's types (tuples are saved as lists).
_PLAIN = frozenset({str, int, float, bool, type(None)})
MAX_DATA_DEPTH = 32
MAX_DATA_NODES = 200_000


def check_data(name, value):
    """Refuse a value that is not plain JSON data, or is nested too deep or too large to save."""
    budget = MAX_DATA_NODES
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        budget -= 1
        if depth > MAX_DATA_DEPTH or budget < 0:
            raise UnsafeScript("data", name=name)
        kind = type(item)
        if kind in (str, int, bool, type(None)):
            continue
        if kind is float:
            continue
        if kind in (list, tuple):
            stack.extend((child, depth + 1) for child in item)
        elif kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    raise UnsafeScript("data", name=name)
                stack.append((child, depth + 1))
        else:
            raise UnsafeScript("data", name=name)


class RestrictedEnvironment(TaskDataEnvironment):
    """Runs checked, guarded code with only the safe built-ins visible."""

    def __init__(self, limits=None):
        super().__init__({"datetime": DateHelpers(), "json_dumps": json.dumps})
        self.limits = limits or Limits()

    def _scope(self, context, external_context):
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS
        scope["_g"] = Guard(self.limits)
        return scope

    def evaluate(self, expression, context, external_context=None):
        """Evaluate one condition or timer expression under the budget."""
        code = compile_checked(expression, "eval")
        return eval(code, self._scope(context, external_context))  # noqa: S307 - checked and guarded

    def execute(self, script, context, external_context=None):
        """Run a script task; its variables go into the task data only if they are plain data."""
        code = compile_checked(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        scope = self._scope(context, external_context)
        exec(code, scope)  # noqa: S102 - checked and guarded
        results = {}
        skip = self.globals.keys() | (external_context or {}).keys()
        for key, value in scope.items():
            if key[0] == "_" or key in skip:
                continue
            kind = type(value)
            if kind in _PLAIN:
                results[key] = value
                continue
            if context.get(key, results) is value and kind is not list and kind is not dict:
                continue  # task data the script did not touch (lists and dicts may have changed inside)
            check_data(key, value)
            results[key] = value
        context.update(results)
        return True


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every workflow runs with; service calls go to ``service_handler``."""

    def __init__(self, service_handler=None, limits=None):
        super().__init__(environment=RestrictedEnvironment(limits))
        self.service_handler = service_handler

    def validate(self, expression):
        check_source(expression, "exec")

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        """Hand a service task to the application's operation registry, never to Python."""
        if self.service_handler is None:
            raise UnsafeScript("call")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        result = self.service_handler(task, operation_name, params)
        return json.dumps(result if result is not None else {})
