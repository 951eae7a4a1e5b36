"""Casework: cases, inbox tasks, assignment, placement, timers, incidents, the registry and supervision."""
