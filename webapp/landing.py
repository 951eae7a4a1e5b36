"""Where each role starts, and which main pages each role may use (the header menu follows it).

Kept in one small module so the log-in redirect (with a safe ``next``), the home link and the
menu agree."""
from flask import url_for

# TASK_ROLES: roles whose lanes hold inbox tasks; the others have no 我的待办.
from .models import TASK_ROLES, WORKING_ROLES

# Roles that may look at cases, the registry and the search (data providers see no personal records;
# the administrator runs the system, not cases).
RECORD_ROLES = WORKING_ROLES
# Roles that read case archives (they hold full ID numbers): webapp/documents/archive.py.
ARCHIVE_ROLES = ("township", "county", "agency")


def landing_url(user):
    """The first page after log-in for ``user``'s role."""
    role = user.role
    if role == "township":
        return url_for("inbox.tasks_list", view="team")
    if role == "supervisor":
        return url_for("supervision.overview")
    if role == "data_provider":
        return url_for("intake.index")
    if role == "agency":
        return url_for("intake.index", _anchor="runs")
    if role == "admin":
        return url_for("admin.users")
    return url_for("inbox.tasks_list", view="mine")


def menu_for(role):
    """The set of main menu entries ``role`` can use: tasks, cases, registry, search, changes, archives."""
    entries = set()
    if role in TASK_ROLES:
        entries.add("tasks")
    if role in RECORD_ROLES:
        entries.update(("cases", "registry", "search", "changes"))
    if role in ARCHIVE_ROLES:
        entries.add("archives")
    return entries
