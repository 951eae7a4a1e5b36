"""Markup rendered once per key and reused, not rendered again on every page.

Two kinds of fragment cost more to render than the page around them and depend on little: the
header's menu (role, language, mount point; layout.py) and a task form's empty fields (their
fixed values, language). Each is kept per app in a named store, under a key that must name
everything the markup depends on. What varies per user or request (a CSRF token, counts, the
user's input and errors) is never part of it.

While templates are reloaded on change (``TEMPLATES_AUTO_RELOAD``, the development server), every
fragment is rendered afresh so an edited template shows at once.
"""
from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

_MAX_ENTRIES = 1_000  # per store; forgotten all at once when full (plain dicts: safe under threads)


def remembered(store, key, render):
    """The markup ``render()`` gives, kept in the app's ``store`` under ``key``."""
    app = current_app._get_current_object()  # one context lookup for the app and its stores
    if app.jinja_env.auto_reload:
        return render()
    kept = app.extensions.setdefault(store, {})
    markup = kept.get(key)
    if markup is None:  # two threads may both render it: the same markup either way
        if len(kept) >= _MAX_ENTRIES:
            kept.clear()
        markup = kept[key] = render()
    return markup


def remembered_fields(template, key, make_form):
    """The fields of the form ``make_form()`` builds, rendered by ``template``; remembered under
    (``template``, ``key``, the interface language), so ``key`` must name every value the built
    form shows (the form is only built when they are not remembered yet). A POST's form (the
    user's input, errors) goes to ``form_fields`` instead."""
    return remembered("form_fields", (template, key, str(get_locale())),
                      lambda: form_fields(template, make_form()))


def form_fields(template, form):
    """``template`` rendered with ``form`` (its fields, without the CSRF token), now."""
    return Markup(current_app.jinja_env.get_template(template).render(form=form))
