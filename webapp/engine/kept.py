"""Workflows kept in memory after a committed completion, so the next one need not read them again.

A completion reads the instance's state and rebuilds its workflow (``load_state``), runs it, and
saves it. The workflow it saved is, by construction, what the next completion of the same
instance would rebuild from the stored state: kept here by (instance id, the version it was
saved as), the next completion in this process takes it instead.

- Only committed: a completion hands its workflow over as pending on its session; it is kept
  when that session commits and dropped on any rollback (a savepoint's too), so a failed or lost
  attempt never gets in (session events, registered by ``install`` from ``create_app``: importing
  this module registers nothing).
- Taken, not shared: ``take`` removes the entry under a lock, so one thread at a time has a
  workflow (gunicorn's threaded workers), and one that fails after taking it leaves nothing.
- Checked against the stored version: the caller holds the instance's lock (PostgreSQL) and
  passes the version it read; an entry saved as another version (another process or writer
  saved the instance since) is dropped and the state read as before. On SQLite the version
  check of the write stays the guard, as on the plain path.
- Ids and versions are the database's: a database restored or replaced under a running process
  needs the process restarted (as the parsed-diagram cache does; the tests clear both).
- Bounded (``webapp/memo.py``): at most ``ENGINE_KEPT_WORKFLOWS`` entries per process (0 turns
  keeping off), the least recently kept going first, none whose state is over MAX_STATE_CHARS.

Kept only when the stored state would read back as the same workflow: its data holds only what
JSON keeps as it is (a tuple would come back as a list), and no pending BPMN events. The event
manager and the subprocesses are put in the order the loader builds them.
"""
from flask import current_app, has_app_context
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.util.task import TaskState

from ..infra.listeners import listen_once
from ..memo import Memo
from .walks import callers

DEFAULT_SIZE = 128
# A workflow takes about 1.7 bytes of memory per character of its saved state (17 KB for a
# visit's 10,000); larger ones are not kept, so the whole stays within a few MB per process.
MAX_STATE_CHARS = 64_000
_PENDING = "engine_kept_workflows"  # the session.info key of what waits for the commit
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})

_kept = Memo(DEFAULT_SIZE)  # instance id -> (version, workflow); its bound is size()'s at each commit


def size():
    """How many workflows a process keeps (``ENGINE_KEPT_WORKFLOWS``; 0: none)."""
    if not has_app_context():
        return DEFAULT_SIZE
    return current_app.config.get("ENGINE_KEPT_WORKFLOWS", DEFAULT_SIZE)


def take(instance_id, version):
    """The workflow kept for ``instance_id`` saved as ``version``, now the caller's; else None."""
    entry = _kept.pop(instance_id)
    if entry is None or entry[0] != version:
        return None  # saved since by someone else (or never kept here): read the stored state
    return entry[1]


def keep_after_commit(session, instance_id, version, workflow, state_chars=0):
    """Keep ``workflow``, just saved as ``version`` of ``instance_id`` (a state of ``state_chars``
    characters), once ``session`` commits."""
    pending = session.info.setdefault(_PENDING, {})
    pending.pop(instance_id, None)  # an earlier save of the same instance in this transaction
    if (size() > 0 and state_chars <= MAX_STATE_CHARS and not workflow.bpmn_events and _plain(workflow)
            and _arrange_as_loaded(workflow)):
        pending[instance_id] = (version, workflow)


def clear():
    """Drop everything kept in this process."""
    _kept.clear()


def kept_count():
    """How many workflows are kept now."""
    return len(_kept)


def install():
    """Listen to every database session's commits and rollbacks (what is pending is kept at the
    commit, dropped otherwise); once per process however often it is called (``create_app``)."""
    listen_once(Session, _LISTENERS)


def _kept_on_commit(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    limit = size()
    for instance_id, entry in pending.items():
        _kept.put(instance_id, entry, limit)  # the newest last; the least recently kept go first


def _dropped_on_rollback(session, previous_transaction):
    session.info.pop(_PENDING, None)


def _dropped_at_the_end(session, transaction):
    if transaction.parent is None:  # the outermost ended without a commit (a commit took them already)
        session.info.pop(_PENDING, None)


_LISTENERS = (("after_commit", _kept_on_commit), ("after_soft_rollback", _dropped_on_rollback),
              ("after_transaction_end", _dropped_at_the_end))


def _plain(workflow):
    """True when every task's data (and the workflows') is JSON that reads back as it is."""
    workflows = [workflow, *workflow.subprocesses.values()]
    for each in workflows:
        if not _plain_value(each.data):
            return False
        for task in each.tasks.values():
            if not _plain_value(task.data):
                return False
    return True


def _plain_value(value):
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, child in item.items():
                if type(key) is not str:
                    return False
                if type(child) not in _JSON_SCALARS:
                    stack.append(child)
        elif kind is list:
            stack.extend(child for child in item if type(child) not in _JSON_SCALARS)
        elif kind not in _JSON_SCALARS:
            return False  # a tuple, a set, a date: JSON would give back something else
    return True


def _arrange_as_loaded(workflow):
    """The subprocesses and the waiting events in the order ``load_state`` builds them; False
    (nothing changed) when a subprocess is called by no task (the loader would leave it out).

    The loader restores a workflow's tasks (registering its waiting catching events), then each
    subprocess called by one of them, in task order, nested ones after their caller.
    """
    subprocesses, catching = {}, {}
    calls = callers(workflow.subprocesses)  # by the calling task's identity: no UUID hashed per task

    def walk(each):
        for task in each.tasks.values():
            if isinstance(task.task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
                catching[task.id] = task
        for task in each.tasks.values():
            called = calls.get(id(task))
            if called is not None and task.id not in subprocesses:
                subprocesses[task.id] = called[1]
                walk(called[1])

    walk(workflow)
    if len(subprocesses) != len(workflow.subprocesses):
        return False
    workflow.subprocesses.clear()
    workflow.subprocesses.update(subprocesses)
    workflow.event_manager.tasks.clear()
    workflow.event_manager.tasks.update(catching)
    return True
