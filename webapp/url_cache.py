"""Links in templates built once per process instead of once per page.

A task list page asked Flask for about 80 links (the menu, three per row), each a walk through
the URL map and the request's context (about 10-40 µs each, a fifth of the page's rendering).
A link depends only on the endpoint, its values and the mount point (``SCRIPT_NAME``) when it is
neither external nor blueprint-relative and the app registers no URL defaults, so those are
remembered; the others are built every time. Lists that link each row by its id build the link
once with a placeholder and put each id in its place (``id_link``).
"""
from flask import url_for
from werkzeug.routing import BuildError

from .memo import Memo
from .request_context import this_app, this_request

_MAX_LINKS = 20_000  # per memo (webapp/memo.py: the oldest go first, safe under threads)
_built = Memo(_MAX_LINKS)
_patterns = Memo(_MAX_LINKS)
# A number built into a link in place of the id, then cut out: the link's text before and after it.
_SLOT = 7_654_321_987


def cached_url_for(endpoint, **values):
    """``url_for`` for templates, remembered per (mount point, endpoint, values); a link of one
    id (a task's, a case's: new on almost every page) from the endpoint's pattern (``id_link``)."""
    if len(values) == 1:
        (name, value), = values.items()
        if type(value) is int and value >= 0:
            pattern = _pattern(endpoint, name)
            if pattern is not None:
                return f"{pattern[0]}{value}{pattern[1]}"
    if endpoint.startswith(".") or any(name.startswith("_") for name in values) \
            or this_app().url_default_functions:
        return url_for(endpoint, **values)
    try:
        key = (this_request().script_root, endpoint, tuple(sorted(values.items())))
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
    pattern = _pattern(endpoint, name)
    if pattern is None:
        return lambda value: url_for(endpoint, **{name: value})
    head, tail = pattern
    return lambda value: f"{head}{int(value)}{tail}"


def ids_link(endpoint, *names):
    """``id_link`` for a link of several integer ids: a function of the ids of ``names`` (in that
    order) giving ``url_for(endpoint, **dict(zip(names, ids)))`` (a household's form links: the
    task's id and each person's)."""
    pattern = _ids_pattern(endpoint, names)
    if pattern is None:
        return lambda *values: url_for(endpoint, **dict(zip(names, values)))
    texts, order = pattern
    head, rest = texts[0], tuple(zip(order, texts[1:]))
    return lambda *values: head + "".join([f"{int(values[index])}{text}" for index, text in rest])


def _ids_pattern(endpoint, names):
    # (the link's texts around the ids, which id goes in each gap) for this mount point, or None
    # when the link must be built as usual.
    if (endpoint.startswith(".") or any(name.startswith("_") for name in names)
            or this_app().url_default_functions):
        return None
    key = (this_request().script_root, endpoint, names)
    pattern = _patterns.get(key)
    if pattern is None:
        try:
            pattern = _cut(endpoint, names)
        except BuildError:  # (a rule that needs more values, or limits the number): built as usual
            pattern = None
        pattern = _patterns.put(key, pattern or False)  # False: every link built as usual
    return pattern or None


def _cut(endpoint, names):
    # The link built with a placeholder number per id, cut where each is: (texts, order), or None
    # unless each is found once and real ids give a link of the same shape (no padded digits).
    slots = [str(_SLOT + index) for index in range(len(names))]
    url = url_for(endpoint, **dict(zip(names, (_SLOT + index for index in range(len(names))))))
    if any(url.count(slot) != 1 for slot in slots):
        return None
    texts, start, order = [], 0, []
    for position, index in sorted((url.find(slot), index) for index, slot in enumerate(slots)):
        texts.append(url[start:position])
        start = position + len(slots[index])
        order.append(index)
    texts.append(url[start:])
    ids = range(1, len(names) + 1)
    real = texts[0] + "".join(f"{ids[index]}{text}" for index, text in zip(order, texts[1:]))
    return (tuple(texts), tuple(order)) if url_for(endpoint, **dict(zip(names, ids))) == real else None


def _pattern(endpoint, name):
    # (the link's text before the id, after it) for this mount point, or None when the link must
    # be built as usual: a one-id link's pattern.
    pattern = _ids_pattern(endpoint, (name,))
    return None if pattern is None else pattern[0]


def install(app):
    """Make ``app``'s templates build links through the cache."""
    app.jinja_env.globals["url_for"] = cached_url_for
