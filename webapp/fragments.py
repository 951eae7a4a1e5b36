"""Markup rendered once per key and reused, not rendered again on every page.

Two kinds of fragment cost more to render than the page around them and depend on little: the
header's menu (role, language, mount point; layout.py) and a task form's empty fields (their
fixed values, language). Each is kept per app in a named store, under a key that must name
everything the markup depends on. What varies per user or request (a CSRF token, counts, the
user's input and errors) is never part of it.

A fragment whose values change on every page but whose markup does not (a task list's rows: the
same few kinds of row, each with its own texts and links) is kept as a pattern with those values as
slots (``slotted``): rendered once per key with a marker in each value's place, then filled per row
with the values escaped as the template escapes them.

While templates are reloaded on change (``TEMPLATES_AUTO_RELOAD``, the development server), every
fragment is rendered afresh so an edited template shows at once.
"""
import re
import secrets
from itertools import chain

from flask import current_app
from markupsafe import Markup, escape

from .memo import Memo
from .request_context import this_app
from .translation_cache import current_locale_name

_MAX_ENTRIES = 1_000  # per store (a webapp/memo.py Memo: the oldest go first, safe under threads)


def memo(store, limit=_MAX_ENTRIES):
    """The app's ``store`` (a webapp/memo.py Memo of at most ``limit`` entries), or None while
    templates are reloaded on change (nothing rendered is kept then)."""
    app = this_app()
    if app.jinja_env.auto_reload:
        return None
    kept = app.extensions.get(store)
    if kept is None:
        kept = app.extensions.setdefault(store, Memo(limit))
    return kept


def remembered(store, key, render):
    """The markup ``render()`` gives, kept in the app's ``store`` under ``key``."""
    kept = memo(store)
    if kept is None:
        return render()
    markup = kept.get(key)
    if markup is None:  # two threads may both render it: the same markup either way
        markup = kept.put(key, render())
    return markup


def remembered_fields(template, key, make_form):
    """The fields of the form ``make_form()`` builds, rendered by ``template``; remembered under
    (``template``, ``key``, the interface language), so ``key`` must name every value the built
    form shows (the form is only built when they are not remembered yet). A POST's form (the
    user's input, errors) goes to ``form_fields`` instead."""
    return remembered("form_fields", (template, key, current_locale_name()),
                      lambda: form_fields(template, make_form()))


def form_fields(template, form):
    """``template`` rendered with ``form`` (its fields, without the CSRF token), now."""
    return Markup(current_app.jinja_env.get_template(template).render(form=form))


# Around a slot's name in a pattern's rendering: escaping keeps it, no template writes it, and no
# value a key names (a filter from a query string) can forge it (random per process).
_MARK = "\x1f" + secrets.token_hex(8)
_SLOT = re.compile(_MARK + r"(\w+)" + _MARK)


def _escaped(text):
    # markupsafe's replacements, in its order (its pure-Python escape); not str.translate, which
    # is slow for text beyond ASCII (a lookup that fails for every other character).
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


class Slotted:
    """A fragment's markup with named slots, filled with values escaped as ``{{ value }}`` is."""

    __slots__ = ("_head", "_names", "_tails")

    def __init__(self, rendered):
        # The markup cut at its slots: the text before the first, then each slot's name and the
        # text after it. Filling joins those pieces with the values: a format string (what this
        # was) is scanned character by character on every fill, some thousands of characters for a
        # household card or a page's header, where a join only copies them.
        pieces = _SLOT.split(str(rendered))
        self._head, self._names, self._tails = pieces[0], tuple(pieces[1::2]), tuple(pieces[2::2])

    def fill(self, values, escaped=None):
        """The markup with each slot's value of the mapping ``values`` escaped in its place, and of
        ``escaped`` (markup, such as a page's CSRF token escaped once for all its rows) as it is."""
        # A str escaped by str.replace (what markupsafe's escape writes, without building a Markup
        # per value: a task list fills about a hundred); other values as markupsafe escapes them.
        filled = {name: str(value) if type(value) is int else _escaped(value) if type(value) is str else escape(value)
                  for name, value in values.items()}
        if escaped:
            filled.update(escaped)
        # (a slot without a value: KeyError, as a format string's missing field was)
        pieces = chain.from_iterable(zip(map(filled.__getitem__, self._names), self._tails))
        return Markup("".join(chain((self._head,), pieces)))


def slot(name):
    """The marker a template is given in place of the value of slot ``name`` (see ``slotted``)."""
    return Markup(_MARK + name + _MARK)


def slotted(store, key, template, **context):
    """``template`` rendered with ``context`` as a ``Slotted`` pattern, kept in ``store`` under ``key``
    (see :func:`remembered`). The slots are the ``slot(name)`` markers among the context's values: the
    template must print each as it is (``{{ value }}``), never test, filter or format it, and ``key``
    must name every other value the markup depends on. A CSRF token can only be a slot."""
    return remembered(store, key, lambda: Slotted(current_app.jinja_env.get_template(template).render(
        context, csrf_token=_no_token)))


def kept_pattern(store, key):
    """The pattern ``slotted`` kept in ``store`` under ``key``, or None (not rendered yet, or nothing
    kept while templates reload): a caller whose rendering context costs something to build (links,
    a copied filter) asks here first and builds it only to render."""
    kept = memo(store)
    return kept.get(key) if kept is not None else None


def _no_token():
    raise RuntimeError("a remembered fragment would share one user's CSRF token: pass it as a slot")
