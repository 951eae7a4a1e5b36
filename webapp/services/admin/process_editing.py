"""Editing a process in the browser modeler: drafts, validation on the element, deploy when valid.

A draft is the current version's bundle with the edited files replaced, stored in its own
table (models/draft.py): nothing that starts, runs or migrates cases reads it. Validation runs
the upload pre-check (engine/preflight.py: form kinds, roles, operators, timers) and then the
engine's own parse and rules (restricted engine included); every problem names its element by
id and name. Deploy validates again on the server and goes through ``deploy_files``, the one
audited deploy the upload page uses too. The caller commits.
"""
from lxml import etree

from ... import engine
from ...engine.operator_params import check_operator as _check_operator, parse_lines
from ...engine.preflight import check_upload, explain
from ...extensions import db
from ...models import ProcessDraft
from ...models.base import utcnow
from .. import audit
from .processes import number_of

# Ids the engine adds for a user task's deadline/reminder properties (engine/expand.py): a
# problem on one of them is shown on the user task the administrator edited.
_EXPANDED_SUFFIXES = ("_reminder_end", "_deadline_end", "_reminder", "_deadline", "_notify", "_escalate")
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


class EditRefused(Exception):
    """The edited bundle cannot be deployed; ``problems`` lists why, element by element."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("; ".join(p["message"] for p in problems))


def draft_of(process_id):
    """The saved draft of ``process_id``, or None."""
    return ProcessDraft.query.filter_by(process_id=process_id).one_or_none()


def editable_files(process_id):
    """(files, draft or None): the draft's bundle when there is one, else the current version's."""
    draft = draft_of(process_id)
    if draft is not None:
        return dict(draft.files), draft
    return dict(engine.current_version(process_id).files), None


def with_file(process_id, name, xml):
    """The editable bundle of ``process_id`` with file ``name`` replaced by ``xml``."""
    files, _draft = editable_files(process_id)
    if name not in files:
        raise LookupError(name)
    files[name] = xml
    return files


def save_draft(process_id, name, xml, user):
    """Store ``xml`` as file ``name`` of the process's draft; running cases are not touched."""
    files = with_file(process_id, name, xml)
    draft = draft_of(process_id)
    if draft is None:
        draft = ProcessDraft(process_id=process_id, base_version_id=engine.current_version(process_id).id)
        db.session.add(draft)
    draft.files, draft.updated_by_id, draft.updated_at = files, getattr(user, "id", None), utcnow()
    audit.record(user, "diagram_draft_saved", "process", process_id, detail=name)
    return draft


def discard_draft(process_id, user):
    """Drop the draft (the modeler then shows the current version again)."""
    draft = draft_of(process_id)
    if draft is not None:
        db.session.delete(draft)
        audit.record(user, "diagram_draft_discarded", "process", process_id)


def _names(files):
    """{element id: name} over every file, for naming elements in problems."""
    names = {}
    for xml in files.values():
        try:
            root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, _SAFE_XML)
        except etree.XMLSyntaxError:
            continue
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id"):
                names[element.get("id")] = (element.get("name") or "").strip()
    return names


def _shown_on(element, names):
    """The element a problem is drawn on: an expanded timer's problem goes to its user task."""
    if not element or element in names:
        return element
    for suffix in _EXPANDED_SUFFIXES:
        if element.endswith(suffix) and element[: -len(suffix)] in names:
            return element[: -len(suffix)]
    return element


def validate(process_id, files):
    """Every problem of a bundle as [{file, element, name, message}] (empty when deployable)."""
    problems = []
    for name, xml in sorted(files.items()):
        problems.extend(check_upload(name, xml.encode("utf-8")))
    if not problems:
        try:
            engine.validate_files(files, process_id)
        except engine.DiagramInvalid as err:
            problems = [explain(p) for p in err.problems]
    names = _names(files)
    shown = []
    for problem in problems:
        element = _shown_on(problem.element, names)
        shown.append({"file": problem.file, "element": element, "name": names.get(element) or "",
                      "message": str(problem.message)})
    return shown


def deploy_files(process_id, files, user, comment, detail):
    """Deploy a validated bundle as the current version: the one audited deploy. Returns (version, number)."""
    version = engine.deploy_bundle(process_id, files, user, comment)
    number = number_of(version)
    audit.record(user, "diagram_deploy", "process", process_id, detail=f"version {number}: {detail}")
    return version, number


def deploy_edit(process_id, name, xml, user, comment):
    """Validate the edited bundle again on the server and deploy it; the draft is then dropped.

    Raises EditRefused with the problems when it is not valid (nothing is stored).
    """
    files = with_file(process_id, name, xml)
    problems = validate(process_id, files)
    if problems:
        raise EditRefused(problems)
    version, number = deploy_files(process_id, files, user, comment or None, f"{name} (modeler)")
    draft = draft_of(process_id)
    if draft is not None:
        db.session.delete(draft)
    return version, number


def check_code(source, mode):
    """Messages of the restricted engine about one condition (``eval``) or script (``exec``)."""
    if not (source or "").strip():
        return []
    try:
        engine.check_source(source, "eval" if mode == "eval" else "exec")
    except engine.UnsafeScript as err:
        return [each.message() for each in [err, *getattr(err, "others", [])][:5]]
    except SyntaxError as err:
        return [str(err)]
    return []


def check_operator(operator, text):
    """Messages about a service task's operator and its parameters (``name = expression`` lines)."""
    params, messages = parse_lines(text)
    return messages + _check_operator(operator, params)
