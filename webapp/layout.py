"""The header every page shares (templates/base.html), rendered once where it does not vary.

The menu of links depends only on the user's role, the interface language and the mount point
(``SCRIPT_NAME``): about twenty links and labels that every page rendered afresh (a third of a
short page's rendering). It is rendered from templates/_header_menu.html once per such triple
and reused (``fragments.remembered``). What varies per user or request (the unread count, the
user's name and area, the CSRF token, the language switch's return path) stays in base.html.
"""
from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from . import fragments
from .landing import menu_for


def header_menu(role):
    """The header's menu links for ``role`` in the request's language, as markup."""
    return fragments.remembered("header_menus", (request.script_root, str(get_locale()), role),
                                lambda: _render(role))


def _render(role):
    template = current_app.jinja_env.get_template("_header_menu.html")
    return Markup(template.render(role=role, menu=menu_for(role)))


def install(app):
    """Give ``app``'s templates ``header_menu`` and ``menu_for`` (base.html's header)."""
    app.extensions["header_menus"] = {}
    app.jinja_env.globals.update(header_menu=header_menu, menu_for=menu_for)
