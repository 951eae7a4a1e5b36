"""The layers hold: the intake core is pure, no two modules of webapp and workers import each
other, and an import inside a function says which cycle forces it.

All is read from the source with ``ast`` (nothing is imported), so a forbidden import is
caught wherever it hides, inside a function included.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBAPP = ROOT / "webapp"
WORKERS = ROOT / "workers"
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


def _our_modules():
    return {_module_name(path): path for folder in (WEBAPP, WORKERS) for path in folder.rglob("*.py")}


def _top_level_graph():
    """Module -> the modules of ours it imports at its top level (a name that is a submodule counts
    as it). Importing ``a.b.c`` runs the packages ``a`` and ``a.b`` first, so they count too."""
    modules = _our_modules()
    graph = {}
    for module, path in modules.items():
        edges = set()
        for target, name in _imported(path, top_level_only=True):
            if not target or not target.startswith(("webapp", "workers")):
                continue
            full = f"{target}.{name}" if name else target
            found = full if full in modules else target if target in modules else None
            parts = found.split(".") if found else []
            for depth in range(1, len(parts) + 1):
                each = ".".join(parts[:depth])
                # A submodule importing its own package (``from . import bp``) is how a package and its
                # modules always relate: Python runs the package first anyway. Not a cycle between files.
                if each in modules and each != module and not module.startswith(each + "."):
                    edges.add(each)
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


def test_the_form_kind_registry_imports_no_service():
    """webapp/form_kinds.py is read by the engine's preflight and the services alike: a check that
    needs a service is registered on it at app start (form_kinds.register_check), not imported."""
    offences = [target for target, _name in _imported(WEBAPP / "form_kinds.py")
                if (target or "").startswith("webapp.services")]
    assert offences == []


def test_the_engine_imports_no_service():
    """The engine sits below the services (docs/where-things-go.md): what the services must hear
    from it goes through ``engine.hooks``, registered by ``create_app``, never by an import."""
    offences = []
    for path in sorted((WEBAPP / "engine").rglob("*.py")):
        for target, name in _imported(path):
            full = f"{target}.{name}" if name else target
            if (target or "").startswith("webapp.services") or full.startswith("webapp.services"):
                offences.append(f"{_module_name(path)}: {full}")
    assert not offences, "the engine imports services: " + ", ".join(offences)


# Why a third-party import may wait until a function runs: a package that is not always
# installed, or one so heavy that the processes not needing it must not pay for it.
LAZY_REASONS = ("optional", "heavy")


def _function_level_imports(path):
    """(line, import node, the comment lines that speak for it) of each import below the top level.

    An import speaks for itself with a comment on its line or on the line above; a block of
    imports one after another is spoken for by the comment above its first line (written once).
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    top = {id(node) for node in tree.body}

    def comment(number):  # the comment text of line ``number`` (1-based), or ""
        text = lines[number - 1] if 0 < number <= len(lines) else ""
        return text[text.index("#"):] if "#" in text else ""

    for parent in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            run_start = None
            for node in block:
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    run_start = None
                    continue
                if id(node) in top:
                    continue
                run_start = run_start or node
                said = [comment(number) for number in range(node.lineno, node.end_lineno + 1)]
                said += [comment(node.lineno - 1), comment(run_start.lineno - 1)]
                above = run_start.lineno - 2
                while above > 0 and lines[above - 1].strip().startswith("#"):  # a comment of several lines
                    said.append(comment(above))
                    above -= 1
                yield node.lineno, node, " ".join(said)


def test_every_function_level_import_names_the_cycle_that_forces_it():
    """House rule: no function-level imports unless a comment names the import cycle that forces
    it (``# cycle: a -> b -> a``); a third-party package may wait for a reason in LAZY_REASONS."""
    offences = []
    for module, path in sorted(_our_modules().items()):
        for line, node, said in _function_level_imports(path):
            target = node.names[0].name if isinstance(node, ast.Import) else node.module or ""
            ours = getattr(node, "level", 0) or target.startswith(("webapp", "workers"))
            if "cycle" in said or (not ours and any(reason in said for reason in LAZY_REASONS)):
                continue
            offences.append(f"{path.relative_to(ROOT)}:{line}")
    assert not offences, "function-level imports without a comment naming the cycle: " + ", ".join(offences)


def _bindings(path):
    """(imported module or package, imported name or None, the name it is bound to) of every import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - (node.level - 1)] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
            for alias in node.names:
                yield target, alias.name, alias.asname or alias.name


def test_no_module_uses_a_private_name_of_another():
    """A helper another module needs is public (no leading underscore): ``from x import _y`` and
    ``x._y`` on a module of ours are refused, in the application and in the tests (a helper one
    test file shares with another is public too)."""
    tests = {f"tests.{p.stem}": p for p in (ROOT / "tests").glob("*.py")}
    modules = {**_our_modules(), **tests}
    offences = []
    for module, path in sorted(modules.items()):
        module_aliases = set()  # names this file binds to one of our modules
        for target, name, bound in _bindings(path):
            if not (target or "").startswith(("webapp", "workers", "tests")):
                continue
            if name and name.startswith("_") and not name.startswith("__"):
                offences.append(f"{path.relative_to(ROOT)}: imports {target}.{name}")
            elif (f"{target}.{name}" if name else target) in modules:
                module_aliases.add(bound)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not offences, "private names used from another module: " + ", ".join(offences)
