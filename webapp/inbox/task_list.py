"""The rows of the task list page (templates/inbox/list.html) as plain values, built in one pass.

The template used to call a filter or ``url_for`` for every cell of every row (the step title,
the area's name, the local due time, three links), each one looking up the request, the language
or the time zone again: about half of the page's rendering. Here the language, the time zone and
the area names come with the rows and each row's links are a pattern with its id put in.

The rows' markup (templates/inbox/_task_row.html) is rendered once per language and kind of row
(team or mine, selectable, with a due time, late, returned) with slots for the row's values
(``fragments.slotted``); each row is that pattern with its texts escaped in place: Jinja's per-row
attribute lookups, escaping and output were a third of the page's own rendering. The tabs and
the filter form above them (templates/inbox/_list_filters.html) are kept the same way per
language, mount point, filter and area choices, with the tab counts and the searched text as slots.
"""
from dataclasses import replace
from typing import NamedTuple

from flask import current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .. import formatting, fragments
from ..engine.catalogue import known_titles, titles_version
from ..models.base import utcnow
from ..translation_cache import current_locale_name
from ..url_cache import id_link
from . import bp


class TaskListRow(NamedTuple):
    """What one row of the task list shows, as text (escaped by the template like any value)."""

    id: int
    title: str  # the step's title in the interface language
    task_url: str
    case_url: str
    case_title: str
    area: str  # the village's name, else the township's
    due: str  # the local due time, "" without a deadline
    late: bool
    return_reason: str | None
    action_url: str  # claim (the team's tasks) or give back (mine)


def task_list_rows(rows, view):
    """The page's inbox ``rows`` (plain rows of inbox.LIST_COLUMNS) as ``TaskListRow``s for ``view``."""
    titles, dues, now, links = _shown(rows, view)
    return [_list_row(row, title, due, _late(row, now), links) for row, title, due in zip(rows, titles, dues)]


def _shown(rows, view):
    # What the rows show that is looked up once for the page: the steps' titles and the local due
    # times (lists), the time now, and the links' builders.
    titles = formatting.task_titles([row.title for row in rows])
    dues = formatting.localdts([row.due_at for row in rows])
    links = (id_link("inbox.task", "task_id"), id_link("cases.case_page", "case_id"),
             id_link("inbox.claim" if view == "team" else "inbox.unclaim", "task_id"))
    return titles, dues, utcnow(), links


def _late(row, now):
    return row.due_at is not None and (row.due_at < now or row.overdue)


def _list_row(row, title, due, late, links):
    task_url, case_url, action_url = links
    return TaskListRow(row.id, title, task_url(row.id), case_url(row.case_id), row.case_title, _area(row), due, late,
                       row.return_reason, action_url(row.id))


def _area(row):
    # What formatting.area_name shows for the row's area code: its name, else the code itself.
    if row.area_name is not None:
        return row.area_name
    return row.village_code or row.township_code or ""


_ROW = "inbox/_task_row.html"
# The row as the pattern is rendered: each value a slot (the kind of row is given as it is).
_SLOTS = TaskListRow(*(fragments.slot(name) for name in TaskListRow._fields))


def task_list_markup(rows, view, selectable):
    """Each of the ``TaskListRow``s ``rows`` as the table row the page shows for ``view``, with the
    pick box when ``selectable``: what templates/inbox/_task_row.html gives for it."""
    token, team, locale = str(escape(generate_csrf())), view == "team", current_locale_name()
    patterns, escaped = {}, {}
    return [Markup(token.join(_filled(row, locale, team, selectable, patterns, escaped))) for row in rows]


def task_list_body(rows, view, selectable):
    """The table body of templates/inbox/list.html for the page's inbox ``rows`` (plain rows of
    inbox.LIST_COLUMNS): ``task_list_markup`` of their ``task_list_rows``, each on its own line as
    the page's loop over them wrote it, as one markup (no template loop escaping each row)."""
    token, team, locale = str(escape(generate_csrf())), view == "team", current_locale_name()
    # A row's markup is the same whenever it shows the same values (the assistant's list, opened
    # many times a day, mostly shows the same tasks): kept filled, but for the page's CSRF token,
    # under what it is made of: the row's columns, whether it is late now, and what turns them
    # into texts and links (the language, the time zone, the steps' titles known, the mount
    # point). So a kept row needs neither its title, its local due time nor its links worked out
    # again: those are made for the rows not kept only (after a completion: the one new task).
    kept = fragments.memo("task_rows_filled", _MAX_FILLED_ROWS)
    now = utcnow()
    page = (locale, request.script_root, team, selectable, formatting.request_timezone(), titles_version())
    keys = [(page, row, _late(row, now)) for row in rows]
    found = [kept.get(key) for key in keys] if kept is not None else [None] * len(keys)
    missing = [index for index, parts in enumerate(found) if parts is None]
    if missing:
        fresh = [rows[index] for index in missing]
        titles, dues, _now, links = _shown(fresh, view)
        known = known_titles()
        patterns, escaped = {}, {}  # the page's rows mostly repeat their step's title and their area
        for index, row, title, due in zip(missing, fresh, titles, dues):
            key = keys[index]
            parts = found[index] = _filled(_list_row(row, title, due, key[2], links), locale, team, selectable,
                                           patterns, escaped)
            # (A title not known yet is shown as stored: it may be known once a newer diagram
            # version is read, which the titles' version cannot tell yet. Not kept.)
            if kept is not None and (not row.title or all(name in known for name in row.title.split(", "))):
                kept.put(key, parts)
    return Markup("".join([f"\n    {token.join(parts)}\n  " for parts in found]))


# Rows kept filled (about 2 kB each): a few hundred assistants' lists in both languages.
_MAX_FILLED_ROWS = 4_000
_TOKEN_MARK = str(fragments.slot("token"))  # where a kept row's CSRF token goes


def _filled(row, locale, team, selectable, patterns, escaped):
    # The row's markup split where the token goes: its pattern (per language and kind of row)
    # filled with the row's values.
    kind = (bool(row.due), bool(row.late), bool(row.return_reason))
    pattern = patterns.get(kind)
    if pattern is None:
        due, late, returned = kind
        slots = _SLOTS._replace(due=_SLOTS.due if due else "", late=late,
                                return_reason=_SLOTS.return_reason if returned else None)
        pattern = patterns[kind] = fragments.slotted("task_rows", (locale, team, selectable) + kind, _ROW,
                                                     row=slots, token=fragments.slot("token"),
                                                     team=team, selectable=selectable)
    title, area = escaped.get(row.title), escaped.get(row.area)
    if title is None:
        title = escaped[row.title] = escape(row.title)
    if area is None:
        area = escaped[row.area] = escape(row.area)
    values = {"id": row.id, "task_url": row.task_url, "case_url": row.case_url, "case_title": row.case_title,
              "action_url": row.action_url}
    if kind[0]:  # (a slot the row's pattern has)
        values["due"] = row.due
    if kind[2]:
        values["return_reason"] = row.return_reason
    return tuple(str(pattern.fill(values, {"token": _TOKEN_MARK, "title": title, "area": area})).split(_TOKEN_MARK))


_HEAD = "inbox/_list_head.html"


@bp.app_template_global()
def task_list_head(selectable):
    """The task list's table head (templates/inbox/_list_head.html; with the pick-all box when
    ``selectable``), kept per language: its seven translated labels were a Jinja call each."""
    return fragments.remembered("task_list_heads", (current_locale_name(), bool(selectable)),
                                lambda: Markup(current_app.jinja_env.get_template(_HEAD).render(selectable=selectable)))


_FILTERS = "inbox/_list_filters.html"
_COUNT_SLOTS = {name: fragments.slot(name) for name in ("mine", "team", "overdue")}


def filters_markup(flt, counts, areas, offline):
    """The task list's tabs (``counts``) and filter form (``flt``, the area choices ``areas``, the
    offline app's button when ``offline``) as templates/inbox/_list_filters.html renders them."""
    choices = tuple((township.code, township.name, tuple((v.code, v.name) for v in villages))
                    for township, villages in areas)
    late = bool(counts["overdue"])
    key = (current_locale_name(), request.script_root, offline, flt.view, flt.process_id, flt.area_code, flt.due,
           flt.sort, late, choices)
    pattern = fragments.kept_pattern("task_list_filters", key) or fragments.slotted(
        "task_list_filters", key, _FILTERS, flt=replace(flt, text=fragments.slot("text")), counts=_COUNT_SLOTS,
        late=late, areas=areas, offline=offline)
    return pattern.fill({"mine": formatting.number(counts["mine"]), "team": formatting.number(counts["team"]),
                         "overdue": formatting.number(counts["overdue"]), "text": flt.text or ""})
