"""A restricted script engine for conditions, timer expressions and script tasks.

SpiffWorkflow's default engine hands diagram text to ``eval``/``exec``. Diagrams can be
uploaded by administrators, so every expression is parsed and checked against an allow-list
of syntax before it runs, and it runs with a small set of harmless built-ins.
"""
import ast
import datetime
import json

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment


class UnsafeScript(ValueError):
    """A script or expression uses a construct the restricted engine refuses."""


FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "input", "__import__", "globals", "locals", "vars",
    "getattr", "setattr", "delattr", "dir", "type", "object", "super", "breakpoint", "help",
    "memoryview", "classmethod", "staticmethod", "property", "exit", "quit", "builtins",
})
# Attribute names that reach into formatting machinery or frames even without underscores.
FORBIDDEN_ATTRIBUTES = frozenset({"format", "format_map", "mro", "gi_frame", "f_globals", "f_back"})

SAFE_BUILTINS = {
    name: getattr(__builtins__, name, None) if not isinstance(__builtins__, dict) else __builtins__[name]
    for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list",
                 "max", "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip",
                 "isinstance", "True", "False", "None")
    if (isinstance(__builtins__, dict) and name in __builtins__) or hasattr(__builtins__, name)
}

_FORBIDDEN_NODES = (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.ClassDef,
                    ast.AsyncFunctionDef, ast.Await, ast.Yield, ast.YieldFrom, ast.With,
                    ast.AsyncWith, ast.Try, ast.Raise, ast.Delete, ast.Lambda, ast.FunctionDef)


def check_source(source, mode="exec"):
    """Raise UnsafeScript when ``source`` uses anything outside the allowed subset."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as err:
        raise UnsafeScript(f"语法错误（第 {err.lineno} 行）：{err.msg}") from err
    for node in ast.walk(tree):
        if isinstance(node, _FORBIDDEN_NODES):
            raise UnsafeScript(f"不允许的语句：{type(node).__name__}（第 {getattr(node, 'lineno', '?')} 行）")
        if isinstance(node, ast.Name) and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
            raise UnsafeScript(f"不允许的名称：{node.id}")
        if isinstance(node, ast.Attribute) and (node.attr.startswith("_") or node.attr in FORBIDDEN_ATTRIBUTES):
            raise UnsafeScript(f"不允许的属性访问：.{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "__" in node.value:
            raise UnsafeScript("不允许在字符串中出现双下划线")
    return tree


class RestrictedEnvironment(TaskDataEnvironment):
    """Runs checked code with only the safe built-ins visible."""

    def __init__(self):
        super().__init__({"datetime": _DateHelpers(), "json_dumps": json.dumps})

    def evaluate(self, expression, context, external_context=None):
        code = compile(check_source(expression, "eval"), "<expression>", "eval")
        scope = {"__builtins__": SAFE_BUILTINS}
        scope.update(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - the tree was checked by check_source

    def execute(self, script, context, external_context=None):
        code = compile(check_source(script, "exec"), "<script>", "exec")
        self.check_for_overwrite(context, external_context or {})
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS
        exec(code, scope)  # noqa: S102 - the tree was checked by check_source
        for key, value in scope.items():
            if key == "__builtins__" or key in self.globals or callable(value):
                continue
            if external_context and key in external_context:
                continue
            context[key] = value
        return True


class _DateHelpers:
    """The only date functions a diagram may call."""

    @staticmethod
    def today():
        return datetime.date.today().isoformat()


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine every workflow runs with; service calls go to ``service_handler``."""

    def __init__(self, service_handler=None):
        super().__init__(environment=RestrictedEnvironment())
        self.service_handler = service_handler

    def validate(self, expression):
        check_source(expression, "exec")

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        """Hand a service task to the application's operation registry, never to Python."""
        if self.service_handler is None:
            raise UnsafeScript(f"no service handler for operation {operation_name}")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        result = self.service_handler(task, operation_name, params)
        return json.dumps(result if result is not None else {})
