"""Application services: the code routes and jobs call. They never commit; callers do.

``intake/`` (department data in the database), ``casework/`` (cases, tasks, timers, registry,
supervision), ``admin/`` (staff, process versions, case migration); shared by all of them at
this level: ``areas``, ``audit``, ``notifications`` and ``scoping`` (who may see which area).
"""
