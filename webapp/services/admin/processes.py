"""Processes as administrators and supervisors see them: numbered versions, rollback, diff,
the per-version heatmap, and where one case stands on its diagrams.

Versions are numbered per process in deploy order (1, 2, 3…); table ids never reach a page.
The caller commits.
"""
from dataclasses import dataclass

from sqlalchemy import case as sql_case, func

from ... import bpmn_diff
from ...engine.catalogue import file_processes, processes_of
from ...engine.case_path import instance_path
from ...engine.versions import make_current
from ...extensions import db
from ...models import Area, DiagramVersion, InboxTask, ProcessDraft, ProcessInstance
from ...models.base import utcnow
from .. import audit
from ..scoping import scope_condition


@dataclass
class NumberedVersion:
    """A stored version with its number within its process and its running-case count."""

    number: int
    version: DiagramVersion
    running: int = 0


def process_ids():
    """Every deployed process id, sorted."""
    return [pid for (pid,) in db.session.query(DiagramVersion.process_id).distinct().order_by(DiagramVersion.process_id)]


def version_numbers(versions):
    """{version id: its number within its process} for loaded ``versions`` (all of a process's
    versions up to each, in any order): the rule of numbering, for lists of many versions."""
    numbers, seen = {}, {}
    for version in sorted(versions, key=lambda v: v.id):  # numbered per process, in deploy order
        seen[version.process_id] = numbers[version.id] = seen.get(version.process_id, 0) + 1
    return numbers


def numbered_versions(process_id):
    """The versions of ``process_id`` oldest first, numbered from 1, with running cases each."""
    versions = (DiagramVersion.query.filter_by(process_id=process_id).order_by(DiagramVersion.id)
                .options(db.joinedload(DiagramVersion.deployed_by)).all())
    counts = dict(db.session.query(ProcessInstance.diagram_version_id, func.count(ProcessInstance.id))
                  .filter(ProcessInstance.status == "running",
                          ProcessInstance.diagram_version_id.in_([v.id for v in versions]))
                  .group_by(ProcessInstance.diagram_version_id).all()) if versions else {}
    numbers = version_numbers(versions)
    return [NumberedVersion(numbers[v.id], v, counts.get(v.id, 0)) for v in versions]


def version_by_number(process_id, number):
    """The NumberedVersion ``number`` of ``process_id``, or None."""
    versions = numbered_versions(process_id)
    return versions[number - 1] if 1 <= number <= len(versions) else None


def number_of(version):
    """The number of ``version`` within its process (1, 2, 3…, in deploy order), not its table id;
    the same rule as ``version_numbers``, counted in the database for one version."""
    return (db.session.query(func.count(DiagramVersion.id))
            .filter(DiagramVersion.process_id == version.process_id, DiagramVersion.id <= version.id).scalar())


def rollback(process_id, number, user):
    """Make version ``number`` current for new cases (running ones keep theirs); audited."""
    chosen = version_by_number(process_id, number)
    if chosen is None:
        raise LookupError(number)
    previous = next((v.number for v in numbered_versions(process_id) if v.version.is_current), None)
    make_current(chosen.version)
    audit.record(user, "diagram_rollback", "process", process_id,
                 detail=f"current version {previous} -> {number}")
    return chosen


def diff(process_id, old_number, new_number):
    """(old, new, changes) between two numbered versions of ``process_id``; None if one is missing."""
    old, new = version_by_number(process_id, old_number), version_by_number(process_id, new_number)
    if old is None or new is None:
        return None
    return old, new, bpmn_diff.diff_bundles(old.version.files, new.version.files)


def heatmap(version_id, user, township=None, now=None):
    """{(process id, task name): {"open": n, "overdue": m}} of one version's open tasks in ``user``'s area.

    One grouped query served by ix_inbox_heatmap (no join, no table access).
    """
    now = now or utcnow()
    overdue = func.sum(sql_case((InboxTask.late_at(now), 1), else_=0))
    query = (db.session.query(InboxTask.process_id, InboxTask.task_name, func.count(), overdue)
             .filter(InboxTask.diagram_version_id == version_id, InboxTask.state == "ready",
                     scope_condition(InboxTask, user)))
    if township:
        query = query.filter(InboxTask.township_code == township)
    rows = query.group_by(InboxTask.process_id, InboxTask.task_name).all()
    return {(pid, name): {"open": n, "overdue": int(late or 0)} for pid, name, n, late in rows}


def diff_markers(changes):
    """(old, new): {file name: {element id: marker class}} for the two diagrams of a diff."""
    old, new = {}, {}
    for change in changes:
        if change.kind in ("removed", "changed"):
            old.setdefault(change.file, {})[change.id] = f"diff-{change.kind}"
        if change.kind in ("added", "changed"):
            new.setdefault(change.file, {})[change.id] = f"diff-{change.kind}"
    return old, new


def heatmap_by_file(version, counts):
    """{file name: {task id: {"open": n, "overdue": m}}} placing heatmap counts on a version's files."""
    where = bpmn_diff.process_files(version.files)
    placed = {name: {} for name in version.files}
    for (process_id, task_name), numbers in counts.items():
        name = where.get(process_id)
        if name is not None:
            placed[name][task_name] = numbers
    return placed


def user_tasks(version):
    """[(process id, task id, name)] of every user task of a version, in file order."""
    where = {name: pid for pid, name in bpmn_diff.process_files(version.files).items()}
    return [(info.process or where.get(info.file), info.id, info.name)
            for info in bpmn_diff.bundle_elements(version.files).values() if info.type == "userTask"]


def townships_of(user):
    """(code, name) of the townships in ``user``'s county, for the heatmap filter."""
    county = user.area.county_code
    return [(a.code, a.name) for a in Area.query.filter(Area.level == "township", Area.code.startswith(county))
            .order_by(Area.code)]


def case_diagrams(case, now=None):
    """The diagrams a case runs on, each with element markers: completed, current, overdue.

    Returns a list of {"instance": ProcessInstance, "version": DiagramVersion, "file": name, "markers": {element id: class}}
    for every file of the case's versions that the case has entered.
    """
    now = now or utcnow()
    late = {(row.process_id, row.task_name) for row in
            InboxTask.query.filter(InboxTask.case_id == case.id, InboxTask.state == "ready")
            if row.overdue or row.late_at(now)}
    shown = []
    for instance in ProcessInstance.query.filter_by(case_id=case.id).order_by(ProcessInstance.id):
        version = instance.diagram_version
        files = version.files
        where = bpmn_diff.process_files(files)
        by_file = {}
        for process_id, entry in instance_path(instance).items():
            name = where.get(process_id)
            if name is None:
                continue
            markers = by_file.setdefault(name, {})
            flows = bpmn_diff.sequence_flows(files[name])
            for element in entry["completed"]:
                markers[element] = "path-done"
            for pair in entry["flows"]:
                if pair in flows:
                    markers[flows[pair]] = "path-done"
            for element in entry["waiting"]:
                markers[element] = "path-late" if (process_id, element) in late else "path-current"
        shown.extend({"instance": instance, "version": version, "file": name, "markers": by_file[name]}
                     for name in sorted(by_file, key=lambda n: (n != where.get(version.process_id), n)))
    return shown


def names_of(process_id):
    """(Chinese name, English name) a process gives itself in its current version, else in its
    draft (a new process made from a template); None when it has neither."""
    version = DiagramVersion.query.filter_by(process_id=process_id, is_current=True).one_or_none()
    if version is not None:
        info = processes_of(version).get(process_id)
    else:
        draft = ProcessDraft.query.filter_by(process_id=process_id).one_or_none()
        info = None
        for xml in (draft.files.values() if draft is not None else ()):
            info = file_processes(xml).get(process_id) or info
    return (info.name, info.title_en) if info is not None and info.name else None


def new_process_drafts():
    """Drafts of processes not deployed yet (made from a template), oldest first."""
    return ProcessDraft.query.filter(ProcessDraft.base_version_id.is_(None)).order_by(ProcessDraft.id).all()
