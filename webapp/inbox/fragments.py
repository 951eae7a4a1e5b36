"""A form's fields rendered once per language and values, not once per page.

The visit form's four fields cost more to render than the rest of the task's content: each label
and choice is a lazy translation resolved through Flask-Babel's context, each field passes through
the ``field`` macro, and building the form itself is a good part of it. A page shown by a GET
offers the fields empty but for values fixed by its key (today's date), so their HTML depends
only on that key and the interface language and is kept per process; a POST (the user's own
input, errors) renders its form afresh. The CSRF token is never part of it.
"""
from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup

_MAX_ENTRIES = 500  # forgotten all at once when full: a plain dict, safe under threads
_rendered = {}


def remembered_fields(template, key, make_form):
    """The fields of the form ``make_form()`` builds, rendered by ``template``; remembered under
    (``template``, ``key``, the interface language), so ``key`` must name every value the built
    form shows (the form is only built when they are not remembered yet)."""
    full_key = (template, key, str(get_locale()))
    html = _rendered.get(full_key)
    if html is None:
        html = form_fields(template, make_form())
        if len(_rendered) >= _MAX_ENTRIES:
            _rendered.clear()
        _rendered[full_key] = html
    return html


def form_fields(template, form):
    """``template`` rendered with ``form`` (its fields, without the CSRF token), now."""
    return Markup(current_app.jinja_env.get_template(template).render(form=form))
