"""Diagrams: safe parsing, validation before deploy, immutable versions, cached specs."""
import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app, has_app_context
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SPIFF_XSD, SpiffBpmnParser

from ..extensions import db
from ..models import WORKING_ROLES, DiagramVersion
from .catalogue import cached_steps, steps_of
from .expand import expand_root
from .rules import check_process_rules

LANE_ROLES = WORKING_ROLES
# An uploaded file is XML from outside: no entities, no network, no huge trees.
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                            remove_comments=True)
_validator = None
# Parsing is rare (a deploy, or the first use of a version in this process) and shares lxml
# objects (the parser above, the schema validator) that must not be used by two threads at once.
# Under gunicorn's threaded workers several requests may need a version at the same moment:
# one lock makes them wait for a single parse instead of parsing side by side.
_parse_lock = threading.RLock()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, located as precisely as we can."""

    file: str
    message: str
    line: int | None = None
    element: str | None = None
    code: str | None = None  # the engine's error code, for refusals of diagram code and timers

    def __str__(self):
        where = self.file + (f":{self.line}" if self.line else "") + (f" [{self.element}]" if self.element else "")
        return f"{where}: {self.message}"


class DiagramInvalid(Exception):
    """A bundle failed validation; ``problems`` says what and where."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


def _schema_validator():
    global _validator
    if _validator is None:  # called under _parse_lock
        _validator = BpmnValidator(imports={"spiffworkflow": SPIFF_XSD})
    return _validator


# A bundle file with more elements than this is refused (DIAGRAM_MAX_ELEMENTS in config.py).
DEFAULT_MAX_ELEMENTS = 5000


def _max_elements():
    return current_app.config.get("DIAGRAM_MAX_ELEMENTS", DEFAULT_MAX_ELEMENTS) if has_app_context() \
        else DEFAULT_MAX_ELEMENTS


def _parse_bundle(files, process_id):
    """Parse every file of ``files`` and return (parser, spec, subprocess specs)."""
    with _parse_lock:
        return _parse_bundle_locked(files, process_id)


def _parse_bundle_locked(files, process_id):
    parser = SpiffBpmnParser(validator=_schema_validator())
    problems = []
    max_elements = _max_elements()
    for name, xml in sorted(files.items()):
        try:
            root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
        except etree.XMLSyntaxError as err:
            problems.append(Problem(name, f"不是有效的 XML：{err.msg}", err.lineno))
            continue
        count = sum(1 for _ in root.iter())
        if count > max_elements:
            problems.append(Problem(name, f"元素过多（{count} 个，上限 {max_elements} 个）"))
            continue
        expand_root(root)  # a user task's deadline/reminder properties become its boundary timers
        try:
            parser.add_bpmn_xml(etree.ElementTree(root), filename=name)
        except ValidationException as err:
            problems.append(Problem(name, f"不符合 BPMN 规范：{err}", getattr(err, "line_number", None),
                                    getattr(err, "id", None)))
        except (SpiffWorkflowException, ValueError, KeyError) as err:
            problems.append(Problem(name, f"无法解析：{err}"))
    if problems:
        raise DiagramInvalid(problems)
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        raise DiagramInvalid([Problem(getattr(err, "file_name", None) or "?", str(err),
                                      getattr(err, "line_number", None), getattr(err, "id", None))]) from err
    except (SpiffWorkflowException, ValueError, KeyError) as err:
        raise DiagramInvalid([Problem("?", f"找不到流程或其调用的子流程：{err}")]) from err
    return parser, spec, subprocess_specs


def validate_files(files, process_id):
    """Check a bundle fully; return (spec, subprocess specs) or raise DiagramInvalid."""
    _, spec, subprocess_specs = _parse_bundle(files, process_id)
    problems = []
    for each in [spec, *subprocess_specs.values()]:
        problems.extend(Problem(each.file or "?", message, None, element, code)
                        for element, message, code in check_process_rules(each, LANE_ROLES))
    if problems:
        raise DiagramInvalid(problems)
    return spec, subprocess_specs


def bundle_hash(files):
    """The content hash identifying a bundle (file names and contents)."""
    canonical = json.dumps(sorted(files.items()), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _process_ids(xml):
    try:
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
    except etree.XMLSyntaxError:
        return set()
    return {el.get("id") for el in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}process")}


def replace_file(files, name, xml):
    """The bundle ``files`` with one uploaded file in it, and whether anything changed.

    The upload replaces the file of the same name, or else the file defining the same process
    (an admin's download may come back renamed): two files would define one process twice.
    """
    if any(text == xml for text in files.values()):
        return dict(files), False
    ids = _process_ids(xml)
    merged = {key: text for key, text in files.items() if key == name or not (ids & _process_ids(text))}
    merged[name] = xml
    return merged, True


def deploy_bundle(process_id, files, user=None, comment=None):
    """Validate and store a bundle for ``process_id``; the same content is stored once.

    The stored version becomes the current one for new instances. The caller commits.
    """
    validate_files(files, process_id)
    digest = bundle_hash(files)
    version = DiagramVersion.query.filter_by(content_hash=digest).one_or_none()
    if version is None:
        version = DiagramVersion(process_id=process_id, content_hash=digest, files=dict(files),
                                 deployed_by_id=getattr(user, "id", None), comment=comment)
        db.session.add(version)
    DiagramVersion.query.filter(DiagramVersion.process_id == process_id,
                                DiagramVersion.content_hash != digest).update({"is_current": False})
    version.is_current = True
    db.session.flush()
    forget_current_version(process_id)
    return version


def bundle_for(process_id, directory):
    """The files of ``directory`` that ``process_id`` needs (itself and what it calls)."""
    files = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".bpmn"):
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                files[name] = handle.read()
    parser, _, subprocess_specs = _parse_bundle(files, process_id)
    needed = {process_id, *subprocess_specs}
    return {name: xml for name, xml in files.items()
            if any(parser.get_process_parser(pid).filename == name for pid in needed)}


def deploy_directory(directory, process_ids, user=None):
    """Deploy each top-level process of the shipped diagrams; returns the versions."""
    return [deploy_bundle(pid, bundle_for(pid, directory), user, comment="shipped diagrams")
            for pid in process_ids]


# Which version is current changes only at a deploy; starting thousands of cases should not ask
# the database each time. Other processes see a deploy within CURRENT_VERSION_TTL seconds.
CURRENT_VERSION_TTL = 10.0
_current_ids = {}
_current_lock = threading.Lock()


_version_hashes = {}  # (database URL, version id) -> content hash; a stored version never changes
_stored = {}  # database URL -> (expiry, ((version id, content hash), ...))


def forget_current_version(process_id):
    """This process forgets its cached choice of ``process_id``'s current version (others within
    CURRENT_VERSION_TTL seconds)."""
    with _current_lock:
        _current_ids.pop((str(db.engine.url), process_id), None)
        _stored.pop(str(db.engine.url), None)  # the list of stored versions has a new one


def forget_cached_versions():
    """Drop the cached version choices and ids (tests reuse ids in fresh databases)."""
    with _current_lock:
        _current_ids.clear()
        _version_hashes.clear()
        _stored.clear()


def stored_versions():
    """(id, content hash) of every stored version, oldest first.

    Asked by pages that look for steps by their properties across versions (services/casework/
    steps.py): cached like the current version, so other processes see a deploy within
    CURRENT_VERSION_TTL seconds and this process at once.
    """
    key = str(db.engine.url)
    with _current_lock:
        cached = _stored.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    rows = tuple((version_id, digest) for version_id, digest in
                 db.session.query(DiagramVersion.id, DiagramVersion.content_hash).order_by(DiagramVersion.id))
    with _current_lock:
        _stored[key] = (time.monotonic() + CURRENT_VERSION_TTL, rows)
    return rows


def specs_of_version(version_id):
    """The (spec, subprocess specs) of stored version ``version_id``.

    Once this process has read the version, without its row: a completion needs only the
    version's id from the instance's row, not a join of the version's.
    """
    key = (str(db.engine.url), version_id)
    with _current_lock:
        content_hash = _version_hashes.get(key)
    if content_hash is not None:
        return spec_cache.get_by_hash(content_hash, lambda: db.session.get(DiagramVersion, version_id))
    version = db.session.get(DiagramVersion, version_id)
    with _current_lock:
        _version_hashes[key] = version.content_hash
    return spec_cache.get(version)


def steps_of_version(version_id):
    """The steps of stored version ``version_id`` (None if there is none).

    A task page asks this on every request: once this process has read the version, it answers
    without loading the version's row (its files are large and never change)."""
    key = (str(db.engine.url), version_id)
    with _current_lock:
        content_hash = _version_hashes.get(key)
    found = cached_steps(content_hash) if content_hash else None
    if found is not None:
        return found
    version = db.session.get(DiagramVersion, version_id)
    if version is None:
        return None
    with _current_lock:
        _version_hashes[key] = version.content_hash
    return steps_of(version)


def current_version(process_id):
    """The version new instances of ``process_id`` start on."""
    key = (str(db.engine.url), process_id)
    with _current_lock:
        cached = _current_ids.get(key)
    if cached is not None and cached[0] > time.monotonic():
        version = db.session.get(DiagramVersion, cached[1])
        if version is not None:
            return version
    version = DiagramVersion.query.filter_by(process_id=process_id, is_current=True).one_or_none()
    if version is None:
        raise LookupError(f"process {process_id} is not deployed")
    with _current_lock:
        _current_ids[key] = (time.monotonic() + CURRENT_VERSION_TTL, version.id, version.content_hash)
    return version


def current_version_ref(process_id):
    """(id, content hash) of the version new instances of ``process_id`` start on.

    What a start needs, without loading the version's row while the choice is cached: a start
    is a hot path and the row's content never changes (the hash names the parsed specs).
    """
    with _current_lock:
        cached = _current_ids.get((str(db.engine.url), process_id))
    if cached is None or cached[0] <= time.monotonic():
        version = current_version(process_id)
        return version.id, version.content_hash
    return cached[1], cached[2]


class _SpecCache:
    """Parsed specs per diagram version; versions never change, so entries never go stale.

    Shared by every thread of the process: lookups and the fill hold a lock, so a version is
    parsed once however many threads ask for it at once (``parses`` counts them, for tests).
    """

    def __init__(self, size=32):
        self.size = size
        self.entries = OrderedDict()
        self.parses = 0
        self._lock = threading.Lock()

    def get(self, version):
        """The (spec, subprocess specs) of a DiagramVersion row."""
        return self.get_by_hash(version.content_hash, lambda: version)

    def get_by_hash(self, key, load_version):
        """The specs of the version with content hash ``key``; ``load_version()`` gives its row
        when they must be parsed (a cached version needs no row)."""
        with self._lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry
            version = load_version()
            # Parsed only: the product's rules were checked at deploy, and a version stored before
            # a rule existed must still load (its cases then stop at an incident, not a 500).
            # Parsing inside the lock: a second thread waits for this parse instead of repeating it.
            entry = _parse_bundle(version.files, version.process_id)[1:]
            self.parses += 1
            self.entries[key] = entry
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
            return entry

    def clear(self):
        """Forget every parsed version (tests)."""
        with self._lock:
            self.entries.clear()
            self.parses = 0


spec_cache = _SpecCache()
