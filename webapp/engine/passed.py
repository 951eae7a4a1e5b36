"""Which diagram elements a case passed, kept beside the live state.

Pruning (``pruning.py``) drops finished parts of the task tree, so the live state alone no longer
shows the path a case took. Before each save, what the workflow has completed (elements and the
flows between them) is merged into ``process_instance.passed``: a set per process of at most the
diagram's size, so it does not grow with the number of loops either.
"""
from .tree import survey


def walk(workflow):
    """{process id: {"completed": set, "waiting": set, "flows": set of (source, target)}} of the live tree."""
    return survey(workflow).path


def remember(passed, workflow, path=None):
    """``passed`` (the stored JSON, or None) with what ``workflow`` has completed added to it.

    ``path``: the workflow's ``walk`` when the caller already has it (a save's one survey).
    """
    merged = {process: {"completed": set(entry.get("completed", ())),
                        "flows": {tuple(flow) for flow in entry.get("flows", ())}}
              for process, entry in (passed or {}).items()}
    for process, entry in (walk(workflow) if path is None else path).items():
        into = merged.setdefault(process, {"completed": set(), "flows": set()})
        into["completed"] |= entry["completed"]
        into["flows"] |= entry["flows"]  # taken, whether its target is finished or waiting
    return {process: {"completed": sorted(entry["completed"]), "flows": sorted(list(f) for f in entry["flows"])}
            for process, entry in merged.items()}
