"""Template strings translated with the request's catalogue looked up once, not per string.

Flask-Babel finds the catalogue for every ``_()`` afresh (its context, the domain, the locale
and the locale's name): on the inbox page that was about a quarter of the rendering time. The
catalogue is kept on ``g`` with the locale object it was found for, so a changed locale
(``flask_babel.refresh``, ``force_locale``) is noticed and looked up again.
"""
from flask import g
from flask_babel import get_translations


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


def install(app):
    """Make ``app``'s templates translate through the cached catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True)
