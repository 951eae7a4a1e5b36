"""A synthetic county: the department-file generator with its answer key, and the demo seeding.

Used by ``flask demo``, ``flask intake generate``, the benchmarks and the tests only; production
code (``webapp.intake``, services, jobs) never imports it.
"""
