"""What diagram code may call: the allowed built-ins and the allowed methods of each type.

Each entry is either None (the method is called as it is: it cannot grow anything) or a
function ``(guard, value, *args)`` that checks sizes before and charges what it produced
(see guards.py). ``ALLOWED_ATTRIBUTES`` is what the static check lets through (sandbox.py).
"""
import datetime
import json

from .errors import UnsafeScript


class DateHelpers:
    """The only date functions a diagram may call (``datetime.today()``)."""

    @staticmethod
    def today():
        """Today's date as an ISO string."""
        return datetime.date.today().isoformat()



def _len(guard, value):
    return len(value)


def _round(guard, number, ndigits=None):
    # round(10**3000, -10**9) would compute 10**(10**9) first.
    if ndigits is not None and (type(ndigits) not in (int, bool) or abs(ndigits) > 100):
        raise UnsafeScript("operand")
    return round(number, ndigits)


def _dict(guard, source=(), **kwargs):
    if type(source) is not dict:
        source = guard.materialize(source)
    guard.reserve(len(source) + len(kwargs))
    return guard.charge(dict(source, **kwargs))


def _simple(fn):
    return lambda guard, *args, **kwargs: fn(*args, **kwargs)


def _sized(fn):
    return lambda guard, *args, **kwargs: guard.charge(fn(*args, **kwargs))


def _make_calls():
    calls = {
        abs: _simple(abs), bool: _simple(bool), float: _simple(float), int: _sized(int), len: _len,
        round: _round, isinstance: _simple(isinstance), any: _simple(any), all: _simple(all),
        str: lambda g, *a: g.to_str(*a), list: lambda g, *a: g.materialize(*a),
        tuple: lambda g, *a: g.to_tuple(*a),
        dict: _dict, set: lambda g, *a: g.charge(set(g.materialize(*a))),
        sorted: lambda g, it, **k: g.ordered("sorted", it, **k),
        min: lambda g, it, *a, **k: g.ordered("min", it, *a, **k),
        max: lambda g, it, *a, **k: g.ordered("max", it, *a, **k),
        sum: lambda g, *a: g.total(*a), range: lambda g, *a: g.span(*a),
        zip: lambda g, *a: g.pairs("zip", *a), enumerate: lambda g, *a, **k: g.pairs("enumerate", *a, **k),
        json.dumps: lambda g, value, **k: g.dumps(value, **k), DateHelpers.today: _simple(DateHelpers.today),
    }
    return calls


CALLS = _make_calls()


def _replace(guard, text, old, new, count=-1):
    if type(old) is not str or type(new) is not str:
        raise TypeError("replace() arguments must be str")
    pieces = len(text) + 1 if not old else len(text) // len(old)
    if count >= 0:
        pieces = min(pieces, count)
    guard.reserve(len(text) + pieces * len(new))
    return guard.charge(text.replace(old, new, count))


def _join(guard, separator, iterable):
    items = guard.materialize(iterable)
    if any(type(item) is not str for item in items):
        raise TypeError("join() items must be str")
    guard.reserve(sum(len(item) for item in items) + len(separator) * len(items))
    return guard.charge(separator.join(items))


def _zfill(guard, text, width):
    guard.reserve(width)
    return guard.charge(text.zfill(width))


def _method(name, checked=False):
    """A method wrapper: charge what it returns; walk the list first when ``checked``."""
    def run(guard, value, *args, **kwargs):
        if checked:
            guard.walk(value)
            guard.walk(args)
        return guard.charge(getattr(value, name)(*args, **kwargs))
    return run


def _extend(guard, target, iterable):
    items = guard.materialize(iterable)
    guard.reserve(len(target) + len(items))
    target.extend(items)


def _update(guard, target, *args, **kwargs):
    other = _dict(guard, *args, **kwargs) if type(target) is dict else set(guard.materialize(*args))
    guard.reserve(len(target) + len(other))
    target.update(other)


def _sort(guard, target, **kwargs):
    target[:] = guard.ordered("sorted", target, **kwargs)


def _items(guard, value):
    return guard.charge([[key, item] for key, item in value.items()])


_STR_PLAIN = ("startswith", "endswith", "find", "rfind", "index", "rindex", "count", "isdigit", "isalpha",
              "isalnum", "isspace", "isdecimal", "isnumeric", "islower", "isupper")
_STR_SIZED = ("lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "title",
              "capitalize", "casefold", "swapcase", "partition", "rpartition")
METHODS = {
    str: {**dict.fromkeys(_STR_PLAIN), **{name: _method(name) for name in _STR_SIZED},
          "replace": _replace, "join": _join, "zfill": _zfill},
    list: {"append": None, "insert": None, "pop": None, "reverse": None, "clear": None,
           "index": _method("index", True), "count": _method("count", True), "remove": _method("remove", True),
           "copy": _method("copy"), "extend": _extend, "sort": _sort},
    dict: {"get": None, "pop": None, "setdefault": None, "clear": None, "keys": _method("keys"),
           "values": _method("values"), "items": _items, "copy": _method("copy"), "update": _update},
    set: {"add": None, "discard": None, "remove": None, "pop": None, "clear": None, "issubset": None,
          "issuperset": None, "isdisjoint": None, "union": _method("union"),
          "intersection": _method("intersection"), "difference": _method("difference"), "update": _update},
    DateHelpers: {"today": None},
}
# Every attribute name some allowed type offers: the static check refuses all others.
ALLOWED_ATTRIBUTES = frozenset(name for methods in METHODS.values() for name in methods)
