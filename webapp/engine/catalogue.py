"""What each user task of a diagram is, read from the diagram itself.

A user task names its form kind, its English title, its decision/comment variables and its
deadline/reminder in ``spiffworkflow:properties``; its Chinese title is its name, its role is
the name of its lane (docs/process-contract.md). Pure lxml over a version's files, cached per
content hash (versions never change), so the inbox asks no dictionary in code what a step is.
"""
import threading
from dataclasses import dataclass
from types import MappingProxyType

from lxml import etree

from .expand import BPMN_NS, task_properties

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_cache = {}
_processes = {}
_titles = {}
# What ``known_titles`` hands out: (a number that grows whenever a title changes, a read-only copy
# of ``_titles``), replaced whole under the lock when a newly read version changes a title. Every
# page naming a step read the titles, and copying them for each page cost more than the rest of
# the look-up; a reader holds one snapshot, consistent with its number.
_titles_seen = (0, MappingProxyType({}))
_by_task = {}  # task id -> {Step} read so far in this process, every version
_lock = threading.Lock()


@dataclass(frozen=True)
class Step:
    """One user task as the application sees it."""

    process_id: str
    task_id: str
    name: str
    title_en: str
    form: str
    role: str
    deadline: str
    reminder: str
    decision_variable: str
    comment_variable: str
    form_definition: str = ""  # the form defined as data a ``data_form`` step shows (its code)
    # Every property of the task as (name, value) pairs, for behaviours a step switches on by
    # a property (``bulk_approval``, ``progress_stage``: docs/process-contract.md).
    options: tuple = ()

    def option(self, name):
        """The value of the task's property ``name`` ("" when it has none)."""
        return dict(self.options).get(name, "")


def _b(local):
    return f"{{{BPMN_NS}}}{local}"


def file_steps(xml):
    """[Step] of every user task in one BPMN file (a broken file has none)."""
    try:
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
    except etree.XMLSyntaxError:
        return []
    steps = []
    for process in root.iter(_b("process")):
        lanes = {}
        for lane in process.iter(_b("lane")):
            for ref in lane.iterfind(_b("flowNodeRef")):
                lanes[(ref.text or "").strip()] = (lane.get("name") or "").strip()
        for task in process.iter(_b("userTask")):
            props = task_properties(task)
            task_id = task.get("id") or ""
            steps.append(Step(process.get("id") or "", task_id, (task.get("name") or "").strip(),
                              props.get("title_en", "").strip(), props.get("form", "").strip(),
                              lanes.get(task_id, ""), props.get("deadline", "").strip(),
                              props.get("reminder", "").strip(),
                              props.get("decision_variable", "").strip() or f"{task_id}_decision",
                              props.get("comment_variable", "").strip() or f"{task_id}_comment",
                              props.get("form_definition", "").strip(),
                              tuple(sorted((k, v.strip()) for k, v in props.items()))))
    return steps


@dataclass(frozen=True)
class ProcessInfo:
    """A process as the start page sees it: its names and who may start it on what.

    Read from the process element's own ``spiffworkflow:properties`` (``title_en``,
    ``start_role``, ``subject``): which process staff of a role may start on a household or a
    person is data in the diagram, not code.
    """

    process_id: str
    name: str
    title_en: str
    start_role: str
    subject: str


def file_processes(xml):
    """{process id: ProcessInfo} of one BPMN file (a broken file has none)."""
    try:
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
    except etree.XMLSyntaxError:
        return {}
    found = {}
    for process in root.iter(_b("process")):
        props = task_properties(process)
        process_id = process.get("id") or ""
        found[process_id] = ProcessInfo(process_id, (process.get("name") or "").strip(),
                                        props.get("title_en", "").strip(), props.get("start_role", "").strip(),
                                        props.get("subject", "").strip())
    return found


def processes_of(version):
    """{process id: ProcessInfo} of a stored DiagramVersion (cached; versions are immutable)."""
    key = version.content_hash
    with _lock:
        found = _processes.get(key)
    if found is None:
        found = {}
        for xml in version.files.values():
            found.update(file_processes(xml))
        with _lock:
            _processes[key] = found
    return found


def bundle_steps(files):
    """{(process id, task id): Step} over every file of a bundle."""
    return {(step.process_id, step.task_id): step for xml in files.values() for step in file_steps(xml)}


def steps_of(version):
    """The steps of a stored DiagramVersion (cached; versions are immutable)."""
    key = version.content_hash
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = bundle_steps(version.files)
        with _lock:
            _cache[key] = found
            changed = False
            for step in found.values():
                for title_key in (step.task_id, step.name):
                    # An older hand-drawn version has no English title: it must not hide the one a
                    # newer version gave the same step (which version is read first varies).
                    known = _titles.get(title_key)
                    if (step.title_en or known is None or not known[1]) and known != (step.name, step.title_en):
                        _titles[title_key] = (step.name, step.title_en)
                        changed = True
                _by_task.setdefault(step.task_id, set()).add(step)
            if changed:
                _publish_titles()
    return found


def _publish_titles():
    # (under the lock) a new snapshot of the titles, under the next number
    global _titles_seen
    _titles_seen = (_titles_seen[0] + 1, MappingProxyType(dict(_titles)))


def cached_steps(content_hash):
    """The steps already read for a version with ``content_hash``, or None."""
    with _lock:
        return _cache.get(content_hash)


def loaded():
    """Content hashes whose steps are cached."""
    with _lock:
        return set(_cache)


def known_steps(task_id):
    """The steps with id ``task_id`` read so far in this process (any process, any version)."""
    with _lock:
        return set(_by_task.get(task_id, ()))


def known_titles():
    """{task id or Chinese title: (Chinese, English)} of every step read so far in this process
    (a read-only mapping: a snapshot, not changed when more steps are read later)."""
    return _titles_seen[1]


def titles_version():
    """A number that grows whenever a title of ``known_titles`` changes: what was shown for the
    titles under one number is shown the same while it lasts."""
    return _titles_seen[0]
