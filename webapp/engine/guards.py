"""Run-time guards of the restricted engine: a time and step budget, and size caps.

``sandbox.compile_checked`` rewrites every operator, call, attribute read, slice and loop of a
diagram's code into a call on a ``Guard``. The guard lets ordinary values through at once and
refuses, before any work is done, whatever would grow without bound: huge ints (``9**9**9``),
long strings or lists (``'a'*10**10``, ``[1]*10**9``), huge ranges, and deep walks over
nested data inside C code (comparisons, ``str()``, ``sorted``), which no time check can stop.
Loops tick the step counter, which checks the deadline every few steps.
"""
import json
import operator
import re
import time
from dataclasses import dataclass

from .allowed import CALLS as _CALLS, METHODS as _METHODS
from .errors import ScriptLimitExceeded, UnsafeScript


@dataclass(frozen=True)
class Limits:
    """The budget of one evaluation; every field can be set in config.py (SCRIPT_*)."""

    seconds: float = 1.0          # wall clock for one script, condition or timer expression
    steps: int = 1_000_000        # loop iterations and comprehension items
    items: int = 1_000_000        # longest string / list / dict / set an operation may produce
    allocated: int = 4_000_000    # items produced by all operations of one evaluation together
    int_bits: int = 10_000        # largest integer (about 3,000 decimal digits)
    walk: int = 200_000           # nodes a comparison, str() or sort may visit in nested data


_SCALARS = frozenset({str, int, float, bool, type(None)})
_NUMBERS = frozenset({int, float, bool})
_SEQUENCES = (str, list, tuple)
_CONTAINERS = (list, tuple, dict, set)
# %-format specs: refuse '*' and widths or precisions past a few digits.
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?.")

_BINOPS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "lshift": operator.lshift,
    "rshift": operator.rshift, "or": operator.or_, "and": operator.and_, "xor": operator.xor,
}
_GROWING = frozenset({"mul", "pow", "lshift"})
_COMPARES = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
    "ge": operator.ge, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
    "is": operator.is_, "isnot": operator.is_not,
}


class Bound:
    """A method the guard handed out; only these (and allowed built-ins) may be called."""

    __slots__ = ("fn",)

    def __init__(self, fn):
        self.fn = fn


class Guard:
    """The budget of one evaluation and the guarded versions of every operation."""

    __slots__ = ("limits", "deadline", "steps", "allocated")

    def __init__(self, limits):
        self.limits = limits
        self.deadline = time.perf_counter() + limits.seconds
        self.steps = 0
        self.allocated = 0

    # -- budget -------------------------------------------------------------------------------
    def tick(self):
        """One loop iteration: count it, and look at the clock every 64."""
        self.steps += 1
        if not self.steps & 63:
            if self.steps > self.limits.steps:
                raise ScriptLimitExceeded("steps", limit=self.limits.steps)
            self.check_time()

    def check_time(self):
        """Refuse once the evaluation's wall-clock budget is spent."""
        if time.perf_counter() > self.deadline:
            raise ScriptLimitExceeded("time", seconds=self.limits.seconds)

    def iterate(self, iterable):
        """Iterate ``iterable`` one tick per item (every ``for`` and comprehension goes here)."""
        for item in iterable:
            self.tick()
            yield item

    def charge(self, value):
        """Count what an operation produced against the size caps; return it."""
        try:
            size = len(value)
        except TypeError:
            if type(value) is int and value.bit_length() > self.limits.int_bits:
                raise ScriptLimitExceeded("int", bits=self.limits.int_bits) from None
            return value
        if size > self.limits.items:
            raise ScriptLimitExceeded("size", limit=self.limits.items)
        self.allocated += size
        if self.allocated > self.limits.allocated:
            raise ScriptLimitExceeded("memory", limit=self.limits.allocated)
        if type(value) is str and "__" in value:
            raise UnsafeScript("dunder_built")
        self.check_time()
        return value

    def reserve(self, size):
        """Refuse, before it is made, a result of ``size`` items past the cap."""
        if size > self.limits.items:
            raise ScriptLimitExceeded("size", limit=self.limits.items)

    def walk(self, value):
        """Refuse nested data too large (or cyclic) for C code to compare, sort or print."""
        budget = self.limits.walk
        stack = [value]
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is str:
                budget -= 1 + len(item) // 64
            elif kind in (list, tuple, set):
                budget -= 1 + len(item)
                stack.extend(item)
            elif kind is dict:
                budget -= 1 + len(item)
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                budget -= 1
            if budget < 0:
                raise ScriptLimitExceeded("nested", limit=self.limits.walk)
        self.check_time()

    # -- operators ------------------------------------------------------------------------------
    def binop(self, name, a, b):
        """``a <op> b`` with the result's size checked before (or, when bounded, after) it is made."""
        ta, tb = type(a), type(b)
        if ta in _NUMBERS and tb in _NUMBERS:
            if name in _GROWING and ta is not float and tb is not float:
                self._check_int_op(name, a, b)
            result = _BINOPS[name](a, b)
            if type(result) is int and result.bit_length() > self.limits.int_bits:
                raise ScriptLimitExceeded("int", bits=self.limits.int_bits)
            return result
        if name == "mul":
            seq, count = (a, b) if tb in (int, bool) else (b, a)
            if isinstance(seq, _SEQUENCES) and type(count) in (int, bool):
                self.reserve(len(seq) * max(count, 0))
        elif name == "add" and isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.reserve(len(a) + len(b))
        elif name == "mod" and ta is str:
            self._check_percent(a, b)
        elif name in ("pow", "lshift"):
            raise UnsafeScript("operand")
        return self.charge(_BINOPS[name](a, b))

    def _check_int_op(self, name, a, b):
        cap = self.limits.int_bits
        if name == "mul" and int(a).bit_length() + int(b).bit_length() > cap:
            raise ScriptLimitExceeded("int", bits=cap)
        if name == "pow" and b > 0 and abs(a) > 1 and int(a).bit_length() * b > cap:
            raise ScriptLimitExceeded("int", bits=cap)
        if name == "lshift" and b > 0 and int(a).bit_length() + b > cap:
            raise ScriptLimitExceeded("int", bits=cap)

    def _check_percent(self, template, args):
        for width, precision in _PERCENT_SPEC.findall(template):
            for number in (width, precision):
                if number == "*" or (number and int(number) > 1000):
                    raise UnsafeScript("format_width")
        values = args.values() if type(args) is dict else args if type(args) is tuple else (args,)
        if any(type(value) not in _SCALARS for value in values):
            raise UnsafeScript("format_value")
        # The output is at most the template, each text value, and a number's digits (Python
        # caps int-to-text at 4,300 digits), plus widths of at most 1,000 each.
        self.reserve(len(template) * 2 + sum(len(v) if type(v) is str else 5000 for v in values))

    def compare(self, name, a, b):
        """A comparison; nested data on both sides is walked first (C code compares it deeply)."""
        if type(a) not in _SCALARS and type(b) not in _SCALARS:
            self.walk(a)
            self.walk(b)
        return _COMPARES[name](a, b)

    def getslice(self, value, lower, upper, step):
        """``value[lower:upper:step]``: a copy, so it counts against the budget."""
        return self.charge(value[lower:upper:step])

    def fmt(self, value):
        """One ``{value}`` of an f-string, as ``str(value)`` (no format spec or conversion)."""
        return self.charge(self.to_str(value))

    # -- calls and attributes -------------------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Call ``fn`` only if it is an allowed built-in or a method this guard handed out."""
        if type(fn) is Bound:
            return fn.fn(*args, **kwargs)
        try:
            guarded = _CALLS.get(fn)
        except TypeError:
            guarded = None
        if guarded is None:
            raise UnsafeScript("call")
        return guarded(self, *args, **kwargs)

    def attr(self, value, name):
        """``value.name`` for the allowed methods of the allowed types only."""
        methods = _METHODS.get(type(value))
        if methods is None or name not in methods:
            raise UnsafeScript("attribute", name=name)
        wrapper = methods[name]
        if wrapper is None:
            return Bound(getattr(value, name))
        return Bound(lambda *args, **kwargs: wrapper(self, value, *args, **kwargs))

    # -- built-ins ------------------------------------------------------------------------------
    def to_str(self, value=""):
        """``str(value)``; containers are walked first, since printing them is C code."""
        if type(value) not in _SCALARS:
            if not isinstance(value, _CONTAINERS):
                raise UnsafeScript("call")
            self.walk(value)
        return self.charge(str(value))

    def materialize(self, iterable=()):
        """A list of the items of ``iterable``, counted against the caps."""
        if type(iterable) is dict:
            iterable = iterable.keys()
        if hasattr(iterable, "__len__"):
            self.reserve(len(iterable))
        return self.charge(list(iterable))

    def to_tuple(self, iterable=()):
        """``tuple(...)`` or a tuple display; never tuples in tuples, so hashing stays flat."""
        items = self.materialize(iterable)
        if any(type(item) is tuple for item in items):
            raise UnsafeScript("nested_tuple")
        return tuple(items)

    def ordered(self, name, iterable, *args, **kwargs):
        """``sorted``, ``min`` or ``max`` over walked data."""
        items = self.materialize(iterable) if not args else [iterable, *args]
        self.walk(items)
        if kwargs.get("key") is not None and type(kwargs["key"]) is not Bound and kwargs["key"] not in _CALLS:
            raise UnsafeScript("call")
        if type(kwargs.get("key")) is Bound:
            kwargs["key"] = kwargs["key"].fn
        elif kwargs.get("key") is not None:
            original = kwargs["key"]
            kwargs["key"] = lambda item: _CALLS[original](self, item)
        return {"sorted": sorted, "min": min, "max": max}[name](items, **kwargs)

    def total(self, iterable, start=0):
        """``sum`` of numbers only (summing lists or strings would be quadratic)."""
        if type(start) not in _NUMBERS:
            raise UnsafeScript("sum")
        if type(iterable) in (range, list, tuple, set):
            # C speed for what is already bounded (a capped range, an existing list).
            if type(iterable) is not range and not set(map(type, iterable)) <= _NUMBERS:
                raise UnsafeScript("sum")
            result = sum(iterable, start)
        else:
            result = start
            for item in self.iterate(iterable):
                if type(item) not in _NUMBERS:
                    raise UnsafeScript("sum")
                result += item
        if type(result) is int and result.bit_length() > self.limits.int_bits:
            raise ScriptLimitExceeded("int", bits=self.limits.int_bits)
        return result

    def span(self, *args):
        """``range`` no longer than the item cap."""
        if any(type(arg) not in (int, bool) for arg in args):
            raise TypeError("range() arguments must be integers")
        result = range(*args)
        self.reserve(len(result))
        return result

    def pairs(self, name, *args, **kwargs):
        """``zip`` and ``enumerate`` giving lists, not tuples (see ``to_tuple``)."""
        source = zip(*args, **kwargs) if name == "zip" else enumerate(*args, **kwargs)
        for item in source:
            self.tick()
            yield list(item)

    def dumps(self, value, **kwargs):
        """``json_dumps``: plain JSON of walked data, no hooks."""
        if set(kwargs) - {"ensure_ascii", "sort_keys"}:
            raise UnsafeScript("call")
        self.walk(value)
        return self.charge(json.dumps(value, **kwargs))
