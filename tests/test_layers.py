"""The layers hold: the intake core is pure, and no two modules of webapp import each other.

Both are read from the source with ``ast`` (nothing is imported), so a forbidden import is
caught wherever it hides, inside a function included.
"""
import ast
from pathlib import Path

WEBAPP = Path(__file__).resolve().parent.parent / "webapp"
CORE = WEBAPP / "intake"
# What the comparison core must stay free of: the web framework, the database and the
# application layers above it (the pages live in webapp.intake_web, the database side in
# webapp.services.intake, the generator in webapp.synthetic).
FORBIDDEN = ("flask", "flask_login", "flask_wtf", "flask_babel", "sqlalchemy", "flask_sqlalchemy",
             "webapp.models", "webapp.services", "webapp.extensions", "webapp.synthetic", "webapp.intake_web")


def _module_name(path):
    parts = list(path.relative_to(WEBAPP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path, top_level_only=False):
    """Absolute names of what ``path`` imports: ``(module, name-or-None)`` pairs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:
                yield target, alias.name


def test_the_intake_core_imports_neither_flask_nor_the_database():
    offences = []
    for path in sorted(CORE.glob("*.py")):
        for target, name in _imported(path):
            full = f"{target}.{name}" if name else target
            for banned in FORBIDDEN:
                if target == banned or target.startswith(banned + ".") or full == banned or full.startswith(banned + "."):
                    offences.append(f"{path.name}: {full}")
    assert not offences, "the pure intake core imports: " + ", ".join(offences)


def _top_level_graph():
    """Module -> the webapp modules it imports at its top level (a name that is a submodule counts as it)."""
    modules = {_module_name(path): path for path in WEBAPP.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        edges = set()
        for target, name in _imported(path, top_level_only=True):
            if not target or not target.startswith("webapp"):
                continue
            full = f"{target}.{name}" if name else target
            found = full if full in modules else target if target in modules else None
            # A submodule importing its own package (``from . import bp``) is how a package and its
            # modules always relate: Python runs the package first anyway. Not a cycle between files.
            if found and found != module and not module.startswith(found + "."):
                edges.add(found)
        graph[module] = edges
    return graph


def test_no_import_cycles_between_modules():
    graph = _top_level_graph()
    state, cycles = {}, []

    def visit(module, stack):
        state[module] = "open"
        stack.append(module)
        for nxt in sorted(graph[module]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert not cycles, "import cycles: " + "; ".join(cycles)


# The synthetic county is for the demo, the benchmarks and the tests. Of the application only
# the command line reaches it: `flask demo` (webapp.cli) and `flask intake generate-county`
# (webapp.intake_web.cli, which also reads an answer key in `compare-dir`).
MAY_USE_SYNTHETIC = ("webapp.synthetic", "webapp.cli", "webapp.intake_web.cli")


def test_production_code_never_imports_the_synthetic_county():
    offences = []
    for path in sorted(WEBAPP.rglob("*.py")):
        module = _module_name(path)
        if module in MAY_USE_SYNTHETIC or module.startswith("webapp.synthetic."):
            continue
        for target, name in _imported(path):
            full = f"{target}.{name}" if name else target
            if (target or "").startswith("webapp.synthetic") or full.startswith("webapp.synthetic"):
                offences.append(f"{module}: {full}")
    assert not offences, "imports the synthetic county: " + ", ".join(offences)


def test_the_webapp_never_imports_the_worker_process():
    """Jobs live in webapp.jobs; ``workers`` is only the process running them (and its scheduler),
    so the dependency points one way: workers -> webapp."""
    offences = []
    for path in sorted(WEBAPP.rglob("*.py")):
        for target, name in _imported(path):
            if (target or "") == "workers" or (target or "").startswith("workers."):
                offences.append(f"{_module_name(path)}: {target}")
    assert not offences, "the webapp imports the worker process: " + ", ".join(offences)
