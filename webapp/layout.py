"""The header every page shares (templates/base.html), rendered once where it does not vary.

The menu of links depends only on the user's role, the interface language and the mount point
(``SCRIPT_NAME``): about twenty links and labels that every page rendered afresh (a third of a
short page's rendering). It is rendered from templates/_header_menu.html once per such triple
and reused (``fragments.remembered``). What varies per user or request (the unread count, the
user's name and area, the CSRF token, the language switch's return path) stays in base.html.
The header's own links (stylesheet, script, icon, home, messages, search, log-out, each language) are
built together once per mount point (``header_links``) instead of one lookup each per page.

The whole header (templates/_page_header.html: the brand, the menu, the messages link, the search
form, who is logged in, log-out and the language switch) is a pattern kept per mount point,
language, role and whether there are unread messages (``page_header``), its per-user and
per-request values filled in as slots: the header was half of a short page's rendering, a
template pass with a dozen lookups of the user and the request.
"""
from flask import current_app, request
from markupsafe import Markup, escape

from . import formatting, fragments
from .auth.user_loading import unread_count
from .landing import menu_for
from .request_context import this_request, this_user
from .translation_cache import current_locale_name
from .url_cache import cached_url_for


def header_menu(role):
    """The header's menu links for ``role`` in the request's language, as markup."""
    return fragments.remembered("header_menus", (request.script_root, current_locale_name(), role),
                                lambda: _render(role))


def header_links():
    """The links base.html's header uses, by name (``language`` maps each language code to its
    switch), for the request's mount point."""
    return fragments.remembered("header_links", this_request().script_root, _links)


def _links():
    return {"css": cached_url_for("static", filename="app.css"), "js": cached_url_for("static", filename="app.js"),
            "icon": cached_url_for("static", filename="favicon.ico"),
            "home": cached_url_for("inbox.index"), "notifications": cached_url_for("notifications.index"),
            "search": cached_url_for("search.results"), "logout": cached_url_for("auth.logout"),
            "language": {code: cached_url_for("auth.set_language", code=code) for code in current_app.config["LANGUAGES"]}}


_HEADER = "_page_header.html"
_HEADER_SLOTS = {name: fragments.slot(name) for name in ("unread_text", "q", "name", "area", "next", "token")}


def page_header(locale, token, user=None):
    """The page's header for the request's user (anonymous: the brand and the language switch) in
    the language ``locale`` (a string), its forms carrying the CSRF token ``token``. ``user``: the
    request's user as the template's context has it (Flask-Login's ``current_user`` there is the
    object itself), else looked up here."""
    # Resolving the current_user proxy again costs a few context lookups, one of them a failed one.
    if user is None:
        user = this_user()
    current = this_request()
    role = user.role if user.is_authenticated else None
    unread = unread_count(user) if role is not None else 0
    key = (current.script_root, locale, role, bool(unread))
    pattern = fragments.kept_pattern("page_headers", key) or fragments.slotted(
        "page_headers", key, _HEADER, links=header_links(), role=role, unread=bool(unread), locale=locale,
        **_HEADER_SLOTS)
    values = {"next": current.full_path,
              "q": current.args.get("q", "") if current.endpoint == "search.results" else ""}
    if role is not None:
        values.update(unread_text=formatting.number(unread) if unread else "", name=user.display_name,
                      area=user.area.name)
    return pattern.fill(values, {"token": escape(token)})


def kept_pager(page, per_page, total, endpoint, **values):
    """What templates/_macros.html's ``pager`` gives for these arguments, kept per language and
    mount point (``fragments.remembered``): a list page's pager is mostly the one shown last time,
    and the macro's call, two links, two translations and a number were about 0.2 M instructions
    of the task list page (bench/callgrind_pages.py)."""
    key = (current_locale_name(), this_request().script_root, page, per_page, total, endpoint, tuple(values.items()))
    try:
        hash(key)
    except TypeError:  # an unhashable value: rendered as the macro does, not kept
        return _pager_macro()(page, per_page, total, endpoint, **values)
    return fragments.remembered("pagers", key, lambda: _pager_macro()(page, per_page, total, endpoint, **values))


def _pager_macro():
    return current_app.jinja_env.get_template("_macros.html").module.pager


def _render(role):
    template = current_app.jinja_env.get_template("_header_menu.html")
    return Markup(template.render(role=role, menu=menu_for(role)))


def install(app):
    """Give ``app``'s templates ``page_header``, ``header_menu``, ``header_links`` and ``menu_for``
    (base.html's header), and ``kept_pager``."""
    app.jinja_env.globals.update(page_header=page_header, header_menu=header_menu, header_links=header_links,
                                 menu_for=menu_for, kept_pager=kept_pager)
