"""Starting a process for a case: run to its first wait, saved with its inbox rows."""
from SpiffWorkflow.util.task import TaskState

from ..extensions import db
from ..infra import new_rows
from ..models import DiagramVersion, ProcessInstance
from .diagrams import current_version_ref, spec_cache
from .runtime import RunContext, catch_up, run_step, script_engine
from .saving import save_workflow
from .serialization import SERIALIZER_VERSION
from .walks import Workflow


def start_process(case, process_id, data=None, actor=None, along=None):
    """Start ``process_id`` for ``case``, run it to its first wait, persist it with its inbox.

    ``along``: (upserts, values) the caller's counters, handed to ``new_rows.write``, which runs
    them exactly once after the run (with the new rows, one statement on PostgreSQL).
    """
    # One flush at the caller's commit instead of one per query: starts are a hot path.
    with db.session.no_autoflush:
        version_id, content_hash = current_version_ref(process_id)
        spec, subprocess_specs = spec_cache.get_by_hash(content_hash,
                                                        lambda: db.session.get(DiagramVersion, version_id))
        workflow = Workflow(spec, subprocess_specs, script_engine=script_engine())
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data or {})
        instance = ProcessInstance(case=case, diagram_version_id=version_id, serializer_version=SERIALIZER_VERSION,
                                   state="")
        db.session.add(instance)
        ctx = RunContext(instance=instance, actor=actor)
        failure = run_step(ctx, lambda: catch_up(workflow), workflow)
        created = save_workflow(instance, workflow, new_instance=True, failure=failure, step="start", actor=actor)
        # A new case that started cleanly is written now with prebuilt inserts instead of the
        # flush at commit: the same rows, a fraction of the CPU. A start that ran a service task
        # (it flushed: its case is no longer pending) or stopped at an incident is left to the
        # flush, as before; the caller's counters run in either case.
        new_rows.write([[case], case.events, [instance], created], along, to_flush=instance.status == "incident")
    return instance, created
