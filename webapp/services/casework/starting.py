"""Staff start a deployed process on a household or a person (发起流程).

Which process a role may start, and on what, is data: the process element's ``start_role`` and
``subject`` properties in its current version (engine/catalogue.py ``ProcessInfo``), written by
the template an administrator filled in (services/admin/process_templates.py) or drawn in the
modeler. The case is opened in the subject's area; the user may start only within their own
area; its tasks go to inboxes by lane role and area like every other case. The caller commits.
"""
from flask_babel import gettext as _

from ... import engine
from ...engine.catalogue import processes_of
from ...extensions import db
from ...models import Case, DiagramVersion
from .. import audit, notifications, scoping
from . import cases

SUBJECT_KINDS = ("household", "person")
CASE_KIND = "process"  # cases of processes started by staff (labels.py "case_kind")


class StartRefused(Exception):
    """The process cannot be started on this subject by this user; the message says why."""


def startable(user, subject_kind):
    """[ProcessInfo] of the deployed processes ``user``'s role may start on a ``subject_kind``."""
    if user is None or subject_kind not in SUBJECT_KINDS:
        return []
    found = []
    # Only id, process id and hash are read: the steps are cached per content hash (files deferred).
    for version in DiagramVersion.query.filter_by(is_current=True).order_by(DiagramVersion.process_id):
        info = processes_of(version).get(version.process_id)
        if info is not None and info.start_role == user.role and info.subject == subject_kind:
            found.append(info)
    return found


def _subject_title(subject_kind, subject):
    if subject_kind == "household":
        return cases.household_case_title(subject)
    return subject.name


def start(process_id, subject_kind, subject, user):
    """Open a case of ``process_id`` on ``subject`` (a Household or a Person) and start it; audited.

    Raises StartRefused when the process is not startable by the user on this kind of subject,
    or the subject lies outside the user's area or has no village for its village-lane steps.
    """
    info = next((each for each in startable(user, subject_kind) if each.process_id == process_id), None)
    if info is None:
        raise StartRefused(_("您的岗位不能在此发起该流程。"))
    if not scoping.in_scope(subject, user):
        raise StartRefused(_("只能在本辖区内发起流程。"))
    if subject.township_code is None or subject.village_code is None:
        raise StartRefused(_("该户或人员尚未定位到村(社区)，暂不能发起流程。"))
    household_id = subject.id if subject_kind == "household" else subject.household_id
    case = Case(kind=CASE_KIND, title=f"{info.name}：{_subject_title(subject_kind, subject)}",
                household_id=household_id, person_id=subject.id if subject_kind == "person" else None,
                county_code=subject.county_code, township_code=subject.township_code,
                village_code=subject.village_code, status="open",
                payload={"process_id": process_id, "subject": subject_kind})
    db.session.add(case)
    cases.add_event(case, "started", user)
    data = {"subject": subject_kind, "household_id": household_id, "village_code": subject.village_code}
    if subject_kind == "person":
        data["person_id"] = subject.id
    _instance, created = engine.start_process(case, process_id, data=data, actor=user)
    if case.id is None:
        db.session.flush()  # a start left to the flush (an incident): the case id, for the audit line
    audit.write(user, "case_started", "case", case.id, detail=process_id)  # a prepared INSERT, no ORM object
    notifications.tasks_arrived(created, user)
    return case
