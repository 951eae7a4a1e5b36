"""Links in templates built once per process instead of once per page.

A task list page asked Flask for about 80 links (the menu, three per row), each a walk through
the URL map and the request's context (about 10-40 µs each, a fifth of the page's rendering).
A link depends only on the endpoint, its values and the mount point (``SCRIPT_NAME``) when it is
neither external nor blueprint-relative and the app registers no URL defaults, so those are
remembered; the others are built every time.
"""
from flask import current_app, request, url_for

_MAX_LINKS = 20_000  # forgotten all at once when full: a plain dict, safe under threads
_built = {}


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
        url = url_for(endpoint, **values)
        if len(_built) >= _MAX_LINKS:
            _built.clear()
        _built[key] = url
    return url


def install(app):
    """Make ``app``'s templates build links through the cache."""
    app.jinja_env.globals["url_for"] = cached_url_for
