"""Checking and compiling diagram code for the restricted engine.

The check is an allow-list: every syntax node, every name, every attribute must be one this
module knows to be harmless; everything else (``match``, ``lambda``, imports, ``**kwargs``,
f-string format specs, bytes, any attribute outside ``allowed.ALLOWED_ATTRIBUTES``) is refused
with its line. The checked tree is then rewritten so that every operator, call, attribute read,
slice and loop goes through the evaluation's ``Guard`` (see guards.py), bound to the name
``_g``, which diagram code cannot name (names starting with ``_`` are refused).
"""
import ast
from functools import lru_cache

from .errors import UnsafeScript
from .allowed import ALLOWED_ATTRIBUTES

MAX_SOURCE_CHARS = 20_000
MAX_DEPTH = 60

FORBIDDEN_NAMES = frozenset({
    "eval", "exec", "compile", "open", "input", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "hasattr", "dir", "type", "object", "super", "breakpoint", "help", "memoryview", "classmethod",
    "staticmethod", "property", "exit", "quit", "builtins", "format", "repr", "ascii", "bytes", "bytearray",
    "print", "iter", "next", "id", "hash", "callable", "issubclass", "frozenset", "map", "filter", "reversed",
    "chr", "ord", "pow", "divmod", "slice", "complex", "bin", "oct", "hex",
})

_ALLOWED_NODES = frozenset({
    ast.Module, ast.Expression, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.For, ast.While, ast.Break,
    ast.Continue, ast.Pass, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword,
    ast.Name, ast.Load, ast.Store, ast.Constant, ast.Attribute, ast.Subscript, ast.Slice, ast.List, ast.Tuple,
    ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.JoinedStr, ast.FormattedValue,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.BitOr,
    ast.BitXor, ast.BitAnd, ast.UAdd, ast.USub, ast.Not, ast.Invert, ast.And, ast.Or, ast.Eq, ast.NotEq,
    ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
})
_BINOP_NAMES = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.FloorDiv: "floordiv",
                ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift", ast.RShift: "rshift", ast.BitOr: "or",
                ast.BitAnd: "and", ast.BitXor: "xor"}
_COMPARE_NAMES = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge",
                  ast.In: "in", ast.NotIn: "notin", ast.Is: "is", ast.IsNot: "isnot"}
_SCALAR_CONSTANTS = (str, int, float, bool, type(None))


def _parse(source, mode):
    if not isinstance(source, str):
        raise UnsafeScript("statement", name=type(source).__name__, line="?")
    if len(source) > MAX_SOURCE_CHARS:
        raise UnsafeScript("too_long", limit=MAX_SOURCE_CHARS)
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as err:
        raise UnsafeScript("syntax", line=err.lineno or "?") from None
    except (RecursionError, MemoryError):
        # The parser gives up on deeply nested source (e.g. 5,000 unary minus) this way.
        raise UnsafeScript("too_deep", limit=MAX_DEPTH) from None


def _nodes_in_reading_order(tree):
    """Every node, leftmost and innermost first, so the first refusal is the first thing a reader
    sees; trees deeper than MAX_DEPTH are refused before anything recursive (compile, the
    rewriter) sees them."""
    stack, nodes = [(tree, 1)], []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeScript("too_deep", limit=MAX_DEPTH)
        nodes.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), -depth, len(nodes), node))
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    nodes.sort(key=lambda entry: entry[:4])
    return [entry[-1] for entry in nodes]


def _check_node(node):
    line = getattr(node, "lineno", "?")
    kind = type(node)
    if kind not in _ALLOWED_NODES:
        raise UnsafeScript("statement", name=kind.__name__, line=line)
    if kind is ast.Name and (node.id.startswith("_") or node.id in FORBIDDEN_NAMES):
        raise UnsafeScript("name", name=node.id)
    elif kind is ast.Attribute:
        if node.attr not in ALLOWED_ATTRIBUTES:
            raise UnsafeScript("attribute", name=node.attr)
        if not isinstance(node.ctx, ast.Load):
            raise UnsafeScript("target")
    elif kind is ast.Constant:
        if not isinstance(node.value, _SCALAR_CONSTANTS):
            raise UnsafeScript("bytes" if isinstance(node.value, bytes) else "operand")
        if isinstance(node.value, str) and "__" in node.value:
            raise UnsafeScript("dunder")
    elif kind is ast.FormattedValue and (node.conversion != -1 or node.format_spec is not None):
        raise UnsafeScript("fstring")
    elif kind is ast.keyword and (node.arg is None or node.arg.startswith("_")):
        raise UnsafeScript("keyword")
    elif kind is ast.comprehension and node.is_async:
        raise UnsafeScript("statement", name="async", line=line)
    elif kind is ast.AugAssign and not isinstance(node.target, ast.Name):
        raise UnsafeScript("target")
    elif kind is ast.Subscript and isinstance(node.slice, ast.Slice) and not isinstance(node.ctx, ast.Load):
        raise UnsafeScript("target")
    elif kind is ast.Call and not isinstance(node.func, (ast.Name, ast.Attribute)):
        raise UnsafeScript("call")


def check_source(source, mode="exec"):
    """Raise UnsafeScript when ``source`` uses anything outside the allowed subset; return the tree."""
    tree = _parse(source, mode)
    refusals = []
    for node in _nodes_in_reading_order(tree):
        try:
            _check_node(node)
        except UnsafeScript as err:
            if all(err.message() != seen.message() for seen in refusals):
                refusals.append(err)
    if refusals:
        # The first refusal is raised; the validation report lists them all.
        refusals[0].others = refusals[1:]
        raise refusals[0]
    return tree


def _guard_call(method, *args):
    return ast.Call(func=ast.Attribute(value=ast.Name(id="_g", ctx=ast.Load()), attr=method, ctx=ast.Load()),
                    args=list(args), keywords=[])


class _Rewriter(ast.NodeTransformer):
    """Route operators, calls, attributes, slices and loops through the guard ``_g``."""

    def __init__(self):
        self.temps = 0

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return _guard_call("binop", ast.Constant(_BINOP_NAMES[type(node.op)]), node.left, node.right)

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        load = ast.Name(id=node.target.id, ctx=ast.Load())
        value = _guard_call("binop", ast.Constant(_BINOP_NAMES[type(node.op)]), load, node.value)
        return ast.Assign(targets=[node.target], value=value)

    def visit_Compare(self, node):
        self.generic_visit(node)
        left, parts = node.left, []
        for index, (op, right) in enumerate(zip(node.ops, node.comparators)):
            if index < len(node.ops) - 1:
                # a < b < c evaluates b once: keep it in a temporary the diagram cannot name.
                self.temps += 1
                name = f"_t{self.temps}"
                right_value = ast.NamedExpr(target=ast.Name(id=name, ctx=ast.Store()), value=right)
                parts.append(_guard_call("compare", ast.Constant(_COMPARE_NAMES[type(op)]), left, right_value))
                left = ast.Name(id=name, ctx=ast.Load())
            else:
                parts.append(_guard_call("compare", ast.Constant(_COMPARE_NAMES[type(op)]), left, right))
        return parts[0] if len(parts) == 1 else ast.BoolOp(op=ast.And(), values=parts)

    def visit_Call(self, node):
        self.generic_visit(node)
        return ast.Call(func=ast.Attribute(value=ast.Name(id="_g", ctx=ast.Load()), attr="call", ctx=ast.Load()),
                        args=[node.func, *node.args], keywords=node.keywords)

    def visit_Attribute(self, node):
        self.generic_visit(node)
        return _guard_call("attr", node.value, ast.Constant(node.attr))

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if isinstance(node.slice, ast.Slice):
            bounds = [part or ast.Constant(None) for part in (node.slice.lower, node.slice.upper, node.slice.step)]
            return _guard_call("getslice", node.value, *bounds)
        return node

    def visit_Tuple(self, node):
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load) and not all(isinstance(e, ast.Constant) for e in node.elts):
            return _guard_call("to_tuple", ast.List(elts=node.elts, ctx=ast.Load()))
        return node

    def visit_FormattedValue(self, node):
        self.generic_visit(node)
        node.value = _guard_call("fmt", node.value)
        return node

    def visit_For(self, node):
        self.generic_visit(node)
        node.iter = _guard_call("iterate", node.iter)
        return node

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.iter = _guard_call("iterate", node.iter)
        return node

    def visit_While(self, node):
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(_guard_call("tick")))
        return node


@lru_cache(maxsize=2048)
def compile_checked(source, mode):
    """Check ``source``, rewrite it onto the guard and compile it (cached: diagrams repeat their code)."""
    tree = _Rewriter().visit(check_source(source, mode))
    ast.fix_missing_locations(tree)
    return compile(tree, "<diagram>", mode)
