"""The engine adapter: the only package that imports SpiffWorkflow.

The rest of the application speaks cases and tasks through these functions.
"""
from .diagrams import DiagramInvalid, deploy_bundle, deploy_directory, validate_files, current_version
from .runtime import (EngineConflict, TaskNotAvailable, complete_task, start_process,
                      fire_due_timers)
from .scripting import UnsafeScript, check_source

__all__ = [
    "DiagramInvalid", "deploy_bundle", "deploy_directory", "validate_files", "current_version",
    "EngineConflict", "TaskNotAvailable", "complete_task", "start_process", "fire_due_timers",
    "UnsafeScript", "check_source",
]
