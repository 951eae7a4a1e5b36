"""Behaviours a step has because of its diagram, not its id.

A few features belong to a kind of step rather than to every step of its form kind: bulk
approval of a review (the property ``bulk_approval``), the campaign funnel stage a step's
completion counts (``progress_stage``). Others belong to a form kind (the visit's registration
forms, the distribution's bulk assignment, a resolve step continuing its investigation). Both
are read here from the task's own diagram version, so a renamed or added step behaves by its
properties and its form (docs/process-contract.md).
"""
import threading

from ... import form_kinds
from ...engine import current_version
from ...engine.catalogue import cached_steps, known_steps, steps_of
from ...engine.diagrams import stored_versions
from ...extensions import db
from ...models import DiagramVersion, InboxTask

_lock = threading.Lock()
_matching = {}  # (hashes of the stored versions, what was asked) -> task ids


def step_option(row, name):
    """The value of property ``name`` of inbox ``row``'s step ("" when none).

    A version stored before the property existed is described by the same step (process and
    task id) of its process's current version, as form_kinds.step_of does for form kinds.
    """
    step = form_kinds.step_of(row)
    value = step.option(name) if step is not None else ""
    if value:
        return value
    try:
        bundle = (row.instance.diagram_version if row.instance is not None else None)
        newer = steps_of(current_version(bundle.process_id)).get((row.process_id, row.task_name)) if bundle else None
    except LookupError:
        newer = None
    return newer.option(name) if newer is not None else ""


def has_form(row, code):
    """True when inbox ``row``'s step has the form kind ``code``."""
    form_kind, _step = form_kinds.kind_of(row)
    return form_kind is not None and form_kind.code == code


def _all_steps():
    """Every stored version's steps (read once per version and process; versions never change)."""
    rows = stored_versions()
    found = []
    for version_id, digest in rows:
        steps = cached_steps(digest)
        if steps is None:
            version = db.session.get(DiagramVersion, version_id)
            if version is None:  # a deploy rolled back after the list was read
                continue
            steps = steps_of(version)
        found.append(steps)
    return tuple(digest for _id, digest in rows), found


def task_ids(form=None, option=None, value=None):
    """Task ids, over every stored version, whose step has form kind ``form`` and/or property
    ``option`` (equal to ``value`` when given): for queries over inbox rows and timelines."""
    hashes, all_steps = _all_steps()
    key = (hashes, form, option, value)
    with _lock:
        if key in _matching:
            return _matching[key]
    found = set()
    for steps in all_steps:
        for (_process_id, task_id), step in steps.items():
            if form is not None and step.form != form:
                continue
            if option is not None and (not step.option(option) or (value is not None and step.option(option) != value)):
                continue
            found.add(task_id)
    with _lock:
        _matching[key] = frozenset(found)
    return _matching[key]


def moves_on(form_code, decision):
    """True when ``decision`` of a step of form kind ``form_code`` moves the case on (not a return)."""
    form_kind = form_kinds.kind(form_code)
    return form_kind is None or decision not in form_kind.returns


def stages():
    """{task id: (funnel stage, form kind)} of every step with a ``progress_stage`` property, over every version."""
    hashes, all_steps = _all_steps()
    key = (hashes, "stages")
    with _lock:
        if key in _matching:
            return _matching[key]
    found = {task_id: (step.option("progress_stage"), step.form) for steps in all_steps
             for (_pid, task_id), step in steps.items() if step.option("progress_stage")}
    with _lock:
        _matching[key] = found
    return found


def page_flags(rows):
    """Which inbox bulk actions a page of ``rows`` offers: {"approve": a bulk-approvable step,
    "assign": a distribution step}. Read from the steps this process already knows by task id
    (as task titles are; no query), else from the row's own version. Only offers the buttons:
    each action checks every task again (bulk_work.approve_one, the distribution form kind)."""
    found = {"approve": False, "assign": False}
    for row in rows:
        known = known_steps(row.task_name) or {form_kinds.step_of(_with_version(row))} - {None}
        found["approve"] = found["approve"] or any(s.option("bulk_approval") == "true" for s in known)
        found["assign"] = found["assign"] or any(s.form == "assign_household" for s in known)
    return found


def _with_version(row):
    """``row`` itself, or its InboxTask when it is a plain row (the task list's columns) without a
    diagram version of its own: an old row's version is its instance's (form_kinds.step_of)."""
    if row.diagram_version_id is not None or isinstance(row, InboxTask):
        return row
    return db.session.get(InboxTask, row.id)
