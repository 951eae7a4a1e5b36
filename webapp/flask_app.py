"""The application class: Flask with its per-request hook dispatch made cheaper.

Flask asks ``inspect.iscoroutinefunction`` of every before-request, after-request and teardown
hook and of the view, on every request (``Flask.ensure_sync``): about ten ``inspect`` walks a
request, some 4 % of a logged-in page that renders nothing (bench/profile_overhead.py). Whether a
function is a coroutine function does not change, so the answer is kept per function (a bound
method by its function, as ``inspect`` itself looks through it: a class-based view binds a new
method per request).
"""
from flask import Flask

# Hooks and views are registered once per app: a few dozen functions. Closures made per request
# (``after_this_request``) would pile up, so the memo starts again past this size.
_MAX_REMEMBERED = 2048


class App(Flask):
    """Flask, with ``ensure_sync`` remembering which functions need no wrapping."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_functions = set()  # functions known to be plain (not async) functions

    def ensure_sync(self, func):
        """Flask's ``ensure_sync``: ``func`` itself when it is a plain function (asked once per
        function), else Flask's wrapper."""
        key = getattr(func, "__func__", func)
        try:
            if key in self._sync_functions:
                return func
        except TypeError:  # an unhashable callable: Flask's answer, not remembered
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            if len(self._sync_functions) >= _MAX_REMEMBERED:
                self._sync_functions.clear()
            self._sync_functions.add(key)
        return wrapped
