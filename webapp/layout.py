"""The header every page shares (templates/base.html), rendered once where it does not vary.

The menu of links depends only on the user's role, the interface language and the mount point
(``SCRIPT_NAME``): about twenty links and labels that every page rendered afresh (a third of a
short page's rendering). It is rendered from templates/_header_menu.html once per such triple
and reused (``fragments.remembered``). What varies per user or request (the unread count, the
user's name and area, the CSRF token, the language switch's return path) stays in base.html.
The header's own links (stylesheet, script, icon, home, messages, search, log-out, each language) are
built together once per mount point (``header_links``) instead of one lookup each per page.
"""
from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from . import fragments
from .landing import menu_for
from .url_cache import cached_url_for


def header_menu(role):
    """The header's menu links for ``role`` in the request's language, as markup."""
    return fragments.remembered("header_menus", (request.script_root, str(get_locale()), role),
                                lambda: _render(role))


def header_links():
    """The links base.html's header uses, by name (``language`` maps each language code to its
    switch), for the request's mount point."""
    return fragments.remembered("header_links", request.script_root, _links)


def _links():
    return {"css": cached_url_for("static", filename="app.css"), "js": cached_url_for("static", filename="app.js"),
            "icon": cached_url_for("static", filename="favicon.ico"),
            "home": cached_url_for("inbox.index"), "notifications": cached_url_for("notifications.index"),
            "search": cached_url_for("search.results"), "logout": cached_url_for("auth.logout"),
            "language": {code: cached_url_for("auth.set_language", code=code) for code in current_app.config["LANGUAGES"]}}


def _render(role):
    template = current_app.jinja_env.get_template("_header_menu.html")
    return Markup(template.render(role=role, menu=menu_for(role)))


def install(app):
    """Give ``app``'s templates ``header_menu``, ``header_links`` and ``menu_for`` (base.html's header)."""
    app.extensions["header_menus"] = {}
    app.jinja_env.globals.update(header_menu=header_menu, header_links=header_links, menu_for=menu_for)
