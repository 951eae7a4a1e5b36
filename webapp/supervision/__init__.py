"""Supervision: the console of late work, reassignment, due dates; and the queue dashboard."""
