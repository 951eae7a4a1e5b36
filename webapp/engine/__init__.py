"""The engine adapter: the only package that imports SpiffWorkflow.

The rest of the application speaks cases and tasks through these functions.
"""
from .diagrams import DiagramInvalid, deploy_bundle, replace_file, deploy_directory, validate_files, current_version
from .errors import ScriptError, ScriptLimitExceeded, describe
from .completion import complete_task, lost_race, task_locked
from .resume import fire_due_timers, retry_incident
from .runtime import CaseHasIncident, EngineConflict, TaskNotAvailable
from .start import start_process
from .scripting import UnsafeScript, check_source

__all__ = [
    "DiagramInvalid", "deploy_bundle", "deploy_directory", "validate_files", "current_version",
    "EngineConflict", "TaskNotAvailable", "complete_task", "lost_race", "task_locked", "start_process", "fire_due_timers",
    "UnsafeScript", "check_source", "ScriptError", "ScriptLimitExceeded", "describe", "CaseHasIncident",
    "retry_incident",
]
