"""The header every page shares (templates/base.html), rendered once where it does not vary.

The menu of links depends only on the user's role, the interface language and the mount point
(``SCRIPT_NAME``): about twenty links and labels that every page rendered afresh (a third of a
short page's rendering). It is rendered from templates/_header_menu.html once per such triple
and reused. What varies per user or request (the unread count, the user's name and area, the
CSRF token, the language switch's return path) stays in base.html.

While templates are reloaded on change (``TEMPLATES_AUTO_RELOAD``, the development server), the
menu is rendered on every page so an edited template shows at once.
"""
from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from .landing import menu_for

_MAX_MENUS = 1_000  # roles x languages x mount points: forgotten all at once if ever exceeded


def header_menu(role):
    """The header's menu links for ``role`` in the request's language, as markup."""
    app = current_app._get_current_object()  # one context lookup for the app and its cache
    if app.jinja_env.auto_reload:
        return _render(app, role)
    menus = app.extensions["header_menus"]
    key = (request.script_root, str(get_locale()), role)
    menu = menus.get(key)
    if menu is None:  # two threads may both render it: the same markup either way
        if len(menus) >= _MAX_MENUS:
            menus.clear()
        menu = menus[key] = _render(app, role)
    return menu


def _render(app, role):
    return Markup(app.jinja_env.get_template("_header_menu.html").render(role=role, menu=menu_for(role)))


def install(app):
    """Give ``app``'s templates ``header_menu`` and ``menu_for`` (base.html's header)."""
    app.extensions["header_menus"] = {}
    app.jinja_env.globals.update(header_menu=header_menu, menu_for=menu_for)
