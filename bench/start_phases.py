"""The phases of an interactive case start that the start benches measure one by one.

bench/profile_starts.py times each (CPU), bench/callgrind_starts.py ``--phases`` counts each one's
own instructions. Imports nothing of the app until asked: the measured checkout may be another one.
"""


def phases():
    """[(owner, attribute name, label)]: each function of the start path a bench wraps, in print
    order; a label's indentation says which phase it is called in."""
    from sqlalchemy.engine import base, default
    from sqlalchemy.orm import Session

    from webapp.engine import saving, start
    from webapp.infra import new_rows
    from webapp.services.casework import cases

    return [
        (cases, "Case", "Case()"), (cases, "add_event", "timeline line (add_event)"),
        (cases.progress, "case_started_counts", "counters (progress.case_started_counts)"),
        (cases.engine, "start_process", "engine.start_process"),
        (start, "current_version_ref", "  current version"), (start, "Workflow", "  spiff create"),
        (start, "run_step", "  spiff run (catch_up)"), (start, "save_workflow", "  save_workflow"),
        (saving.tree, "survey", "    survey"), (saving.passed, "remember", "    passed"),
        (saving.pruning, "prune", "    prune"), (saving, "_dump_or_failure", "    serialize"),
        (saving.projection, "ready_human_tasks", "    projection"), (saving, "_sync_inbox", "    inbox rows"),
        (start.new_rows, "write", "  new_rows.write"), (new_rows, "_insert_chained", "    chained INSERT"),
        (new_rows, "_insert_by_table", "    INSERTs by table"),
        (new_rows.upserts, "execute_together", "    counters' upserts (not in the rows' statement)"),
        (Session, "_register_persistent", "    registered as flushed"),
        (cases.notifications, "tasks_arrived", "notifications"),
        (base.Connection, "_execute_context", "(every statement: SQLAlchemy + driver)"),
        (default.DefaultDialect, "do_execute", "(every statement: driver cursor)"),
        (default.DefaultDialect, "do_commit", "(DB-API commit)")]
