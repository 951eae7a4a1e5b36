"""Links in templates built once per process instead of once per page.

A task list page asked Flask for about 80 links (the menu, three per row), each a walk through
the URL map and the request's context (about 10-40 µs each, a fifth of the page's rendering).
A link depends only on the endpoint, its values and the mount point (``SCRIPT_NAME``) when it is
neither external nor blueprint-relative and the app registers no URL defaults, so those are
remembered; the others are built every time. Lists that link each row by its id build the link
once with a placeholder and put each id in its place (``id_link``).
"""
from flask import current_app, request, url_for

from .memo import Memo

_MAX_LINKS = 20_000  # per memo (webapp/memo.py: the oldest go first, safe under threads)
_built = Memo(_MAX_LINKS)
_patterns = Memo(_MAX_LINKS)
# A number built into a link in place of the id, then cut out: the link's text before and after it.
_SLOT = 7_654_321_987


def cached_url_for(endpoint, **values):
    """``url_for`` for templates, remembered per (mount point, endpoint, values)."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values) \
            or current_app.url_default_functions:
        return url_for(endpoint, **values)
    try:
        key = (request.script_root, endpoint, tuple(sorted(values.items())))
        url = _built.get(key)
    except TypeError:  # an unhashable value: built as usual
        return url_for(endpoint, **values)
    if url is None:
        url = _built.put(key, url_for(endpoint, **values))
    return url


def id_link(endpoint, name):
    """A function of one integer id giving ``url_for(endpoint, **{name: id})``, for lists that
    link every row: the link is built once with a placeholder number and each row's id put in
    its place (a string join instead of a walk through the URL map per row)."""
    if endpoint.startswith(".") or name.startswith("_") or current_app.url_default_functions:
        return lambda value: url_for(endpoint, **{name: value})
    key = (request.script_root, endpoint, name)
    pattern = _patterns.get(key)
    if pattern is None:
        head, slot, tail = url_for(endpoint, **{name: _SLOT}).partition(str(_SLOT))
        # The number found once and a real id's link the same shape (no padded digits): else
        # every link is built as usual.
        if not slot or str(_SLOT) in tail or url_for(endpoint, **{name: 1}) != f"{head}1{tail}":
            return lambda value: url_for(endpoint, **{name: value})
        pattern = _patterns.put(key, (head, tail))
    head, tail = pattern
    return lambda value: f"{head}{int(value)}{tail}"


def install(app):
    """Make ``app``'s templates build links through the cache."""
    app.jinja_env.globals["url_for"] = cached_url_for
