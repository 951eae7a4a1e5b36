"""Running a saved instance without a person: its due timers, an incident's retry."""
from SpiffWorkflow.util.task import TaskState

from . import hooks, incidents
from .runtime import RunContext, catch_up, load_workflow, lock_instance, run_step
from .saving import save_workflow


def fire_due_timers(instance_id, actor=None):
    """Refresh the timers of one instance, run what they trigger, save. Safe to run twice."""
    instance = lock_instance(instance_id)
    if instance.status != "running":
        return []
    workflow = load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)

    failure = run_step(ctx, lambda: catch_up(workflow), workflow)
    save_workflow(instance, workflow, failure=failure, step="timers", actor=actor)
    return ctx.operations_run


def retry_incident(instance_id, actor=None):
    """Re-run the engine step of an instance stopped at an incident; True when it went on.

    The tasks in error are made ready again and the engine runs them; if the case fails
    again, its incident stays open with the new error.
    """
    instance = lock_instance(instance_id)
    if instance.status != "incident":
        incidents.resolve(instance, actor)
        return True
    workflow = load_workflow(instance)
    ctx = RunContext(instance=instance, actor=actor)

    def step():
        for task in workflow.get_tasks(state=TaskState.ERROR):
            task._set_state(TaskState.READY)
            if task.task_spec.manual:  # a person's task whose own script failed: finish it now
                task.run()
        catch_up(workflow)

    failure = run_step(ctx, step, workflow)
    created = save_workflow(instance, workflow, failure=failure, step="retry", actor=actor)
    if instance.status != "incident":
        incidents.resolve(instance, actor)
        hooks.emit(hooks.TASKS_ARRIVED, created, actor)
        return True
    return False
