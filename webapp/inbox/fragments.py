"""A form's fields rendered once per language and values, not once per page.

The visit form's four fields cost more to render than the rest of the task's content: each label
and choice is a lazy translation resolved through Flask-Babel's context, and each field passes
through the ``field`` macro. On a GET their HTML depends only on the interface language and the
fields' values (today's date), so it is kept per process; a POST (the user's own input, errors)
is always rendered afresh. The CSRF token is not part of it.
"""
from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

_MAX_ENTRIES = 500  # forgotten all at once when full: a plain dict, safe under threads
_rendered = {}


def form_fields(template, form):
    """``template`` rendered with ``form`` (its fields only), remembered for a GET."""
    if request.method != "GET" or any(field.errors for field in form):
        return _render(template, form)
    try:
        key = (template, str(get_locale()), tuple((field.name, field.data) for field in form
                                                  if field.name != "csrf_token"))
        html = _rendered.get(key)
    except TypeError:  # a value that cannot be a key: rendered as usual
        return _render(template, form)
    if html is None:
        html = _render(template, form)
        if len(_rendered) >= _MAX_ENTRIES:
            _rendered.clear()
        _rendered[key] = html
    return html


def _render(template, form):
    return Markup(current_app.jinja_env.get_template(template).render(form=form))
