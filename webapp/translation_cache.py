"""Template strings translated with the request's catalogue looked up once, not per string.

Flask-Babel finds the catalogue for every ``_()`` afresh (its context, the domain, the locale
and the locale's name): on the inbox page that was about a quarter of the rendering time. The
catalogue is kept on ``g`` with the locale object it was found for, so a changed locale
(``flask_babel.refresh``, ``force_locale``) is noticed and looked up again.
"""
from flask import g
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup


def current_translations():
    """The translations of the current request's locale (Flask-Babel's, cached on ``g``)."""
    try:
        request_g = g._get_current_object()  # one context lookup instead of one per attribute
    except RuntimeError:  # no application context: Flask-Babel's answer (untranslated strings)
        return get_translations()
    locale = getattr(getattr(request_g, "_flask_babel", None), "babel_locale", None)
    cached = getattr(request_g, "_translations_for", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()  # also settles the locale on babel's context
    request_g._translations_for = (getattr(getattr(request_g, "_flask_babel", None), "babel_locale", None),
                                   translations)
    return translations


def current_locale():
    """Flask-Babel's ``get_locale()``, the request's context looked up once: Flask-Babel looks
    ``g`` up three times per call (through its proxy), and a page asks about ten times."""
    try:
        request_g = g._get_current_object()
    except RuntimeError:  # no application context: Flask-Babel's answer (None)
        return get_locale()
    locale = getattr(getattr(request_g, "_flask_babel", None), "babel_locale", None)
    return get_locale() if locale is None else locale  # (the first time: chosen and settled)


def current_locale_name():
    """``str(current_locale())``, kept with the locale object (Babel writes the name anew each time;
    a Locale is not changed by its users, see webapp/__init__.py)."""
    locale = current_locale()
    if locale is None:
        return "None"
    name = locale.__dict__.get("_identifier")
    if name is None:
        name = locale._identifier = str(locale)
    return name


@pass_context
def _template_gettext(context, string, **variables):
    """Jinja's new-style ``_()`` in one call: a string without variables is translated, wrapped
    and %-formatted once per catalogue (about 50 strings a page each took three context calls,
    a Markup and a ``%`` before)."""
    translations = current_translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        text = translations.ugettext(string)
        return (Markup(text) if autoescape else text) % variables
    done = translations.__dict__.get("_template_strings")
    if done is None:
        done = translations._template_strings = {}  # lives and dies with the catalogue object
    key = (string, autoescape)
    text = done.get(key)
    if text is None:
        text = translations.ugettext(string)
        # Always a format string (so "%%" is "%"), as Jinja's own new-style gettext does.
        text = done[key] = (Markup(text) if autoescape else text) % {}
    return text


def install(app):
    """Make ``app``'s templates translate through the cached catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext)
