"""The values of a workflow state its converters take from the workflow as they are.

``serialization.json_text`` keeps orjson's text of a value when it reads back equal (orjson writes
NaN as null, an enum or a UUID as its value). Reading a whole state back cost a save about a
hundred thousand instructions; but most of a state is the layout the converters make of texts,
ints, bools, None and ``time.time()``'s floats (ids, states, names, flags: test_engine_state_format
checks a whole state), which orjson writes as json.dumps does. Only the values taken as they are
(task data and deltas, internal data, a workflow's data, correlations, pending events, and any field
not known here) can differ, and only they are read back.
"""

# A task's fields its converter makes (ids as texts, its state's int, its spec's name, its flag, and
# time.time()'s float); its other fields (data, delta, internal data) are the workflow's values.
_TASK_MADE = frozenset({"id", "parent", "children", "last_state_change", "state", "task_spec", "triggered",
                        "typename"})
_TASK_FIELDS = _TASK_MADE | {"data", "delta", "internal_data"}
# A workflow's or subprocess's fields its converter makes: ids as texts, flags, names.
_WORKFLOW_MADE = frozenset({"last_task", "success", "completed", "root", "parent_task_id", "spec", "typename"})


def taken_as_they_are(state, parts=None):
    """The values of ``state`` (``StateOnlyWorkflowConverter.to_dict``'s) its converters did not
    make, as a list: what orjson may write otherwise than json.dumps."""
    if parts is None:
        parts = []
    for key, value in state.items():
        if key == "tasks":
            for task in value.values():
                if task.keys() == _TASK_FIELDS:  # the converters' layout
                    parts += (task["data"], task["delta"], task["internal_data"])
                else:
                    parts.append(task)
        elif key == "subprocesses":
            for subprocess in value.values():
                taken_as_they_are(subprocess, parts)
        elif key not in _WORKFLOW_MADE:
            parts.append(value)
    return parts
