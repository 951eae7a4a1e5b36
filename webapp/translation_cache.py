"""Template strings translated with the request's catalogue looked up once, not per string.

Flask-Babel finds the catalogue for every ``_()`` afresh (its context, the domain, the locale
and the locale's name): on the inbox page that was about a quarter of the rendering time. The
catalogue is kept on ``g`` with the locale object it was found for, so a changed locale
(``flask_babel.refresh``, ``force_locale``) is noticed and looked up again.

Finding the catalogue through Flask-Babel once per request still cost about 0.1 M instructions of
every page (its context looked up on ``g`` several times, each missing attribute an exception, the
locale's name written anew: bench/callgrind_pages.py). Flask-Babel itself keeps each catalogue per
process by the locale's name and never replaces it; so here the catalogue it gave is kept per
process by the locale's name as well, and a request in a language seen before takes it from there.
Nothing about the user is kept: the locale is chosen anew on every request.
"""
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from .memo import Memo
from .request_context import request_globals

# Locale name -> the catalogue Flask-Babel gave for it (immutable per process, as Flask-Babel's own
# cache is): the few languages offered, and any a ``force_locale`` asked for.
_CATALOGUES = Memo(32)


def current_translations():
    """The translations of the current request's locale (Flask-Babel's, cached on ``g``)."""
    try:
        request_g = request_globals()
    except RuntimeError:  # no application context: Flask-Babel's answer (untranslated strings)
        return get_translations()
    # ``g``'s own names (what ``g.get`` reads, without a Python call): a name ``g`` lacks answered
    # without the exception its ``getattr`` raises in Python.
    names = vars(request_g)
    locale = getattr(names.get("_flask_babel"), "babel_locale", None)
    cached = names.get("_translations_for")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    if locale is None:
        locale = get_locale()  # chosen and settled on Flask-Babel's context (the request's first ask)
    name = current_locale_name(locale)
    translations = _CATALOGUES.get(name)
    if translations is None:
        translations = _CATALOGUES.put(name, get_translations())
    request_g._translations_for = (locale, translations)
    return translations


def current_locale():
    """Flask-Babel's ``get_locale()``, the request's context looked up once: Flask-Babel looks
    ``g`` up three times per call (through its proxy), and a page asks about ten times."""
    try:
        request_g = request_globals()
    except RuntimeError:  # no application context: Flask-Babel's answer (None)
        return get_locale()
    locale = getattr(vars(request_g).get("_flask_babel"), "babel_locale", None)  # (as in current_translations)
    return get_locale() if locale is None else locale  # (the first time: chosen and settled)


def current_locale_name(locale=None):
    """``str(current_locale())`` (or of ``locale`` when given), kept with the locale object (Babel
    writes the name anew each time; a Locale is not changed by its users, see webapp/__init__.py)."""
    if locale is None:
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
    done, key = _done_strings(translations), (string, autoescape)
    text = done.get(key)
    if text is None:
        text = translations.ugettext(string)
        # Always a format string (so "%%" is "%"), as Jinja's own new-style gettext does.
        text = done[key] = (Markup(text) if autoescape else text) % {}
    return text


@pass_context
def _template_pgettext(context, string_context, string, **variables):
    """Jinja's new-style ``pgettext()`` (``context`` among the variables, as Jinja gives it), a
    string without variables translated, wrapped and %-formatted once per catalogue, as ``_()``
    (Jinja's own took about 0.03 M instructions a call)."""
    translations = current_translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        variables.setdefault("context", string_context)
        text = translations.upgettext(string_context, string)
        return (Markup(text) if autoescape else text) % variables
    done, key = _done_strings(translations), (string_context, string, autoescape)  # (``_()``'s keys are pairs)
    text = done.get(key)
    if text is None:
        text = translations.upgettext(string_context, string)
        text = done[key] = (Markup(text) if autoescape else text) % {"context": string_context}
    return text


def _done_strings(translations):
    # The template strings translated with ``translations``, kept on the catalogue object (so they
    # live and die with it).
    done = translations.__dict__.get("_template_strings")
    if done is None:
        done = translations._template_strings = {}
    return done


def install(app):
    """Make ``app``'s templates translate through the cached catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext, pgettext=_template_pgettext)
