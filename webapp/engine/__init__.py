"""The engine adapter: the only package that imports SpiffWorkflow.

The rest of the application speaks cases and tasks through these functions.
"""
from .diagrams import DiagramInvalid, deploy_bundle, replace_file, deploy_directory, validate_files, current_version
from .errors import ScriptError, ScriptLimitExceeded, describe
from .runtime import (CaseHasIncident, EngineConflict, TaskNotAvailable, complete_task, fire_due_timers,
                      retry_incident, start_process)
from .scripting import UnsafeScript, check_source

__all__ = [
    "DiagramInvalid", "deploy_bundle", "deploy_directory", "validate_files", "current_version",
    "EngineConflict", "TaskNotAvailable", "complete_task", "start_process", "fire_due_timers",
    "UnsafeScript", "check_source", "ScriptError", "ScriptLimitExceeded", "describe", "CaseHasIncident",
    "retry_incident",
]
