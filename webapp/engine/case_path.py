"""Where a case is in its diagrams: the elements it passed, the flows it took, where it waits.

Read from the live workflow of each process instance plus what earlier saves remembered of the
parts pruning dropped (``passed.py``); nothing is written. The result names BPMN element ids
per process id, so the case page can mark them on the drawn diagrams.
"""
from .passed import walk
from .runtime import load_workflow


def instance_path(instance):
    """{process id: {"completed": [...], "waiting": [...], "flows": [(source id, target id), ...]}}.

    ``completed`` are elements the case passed, ``waiting`` those that are ready or waiting
    (user tasks, call activities underway); ``flows`` are the parent → child steps of
    the task tree, i.e. the sequence flows actually taken.
    """
    path = walk(load_workflow(instance))
    for process, entry in (instance.passed or {}).items():
        into = path.setdefault(process, {"completed": set(), "waiting": set(), "flows": set()})
        into["completed"] |= set(entry.get("completed", ()))
        into["flows"] |= {tuple(flow) for flow in entry.get("flows", ())}
    return {process: {"completed": sorted(v["completed"] - v["waiting"]), "waiting": sorted(v["waiting"]),
                      "flows": sorted(v["flows"])} for process, v in path.items()}
