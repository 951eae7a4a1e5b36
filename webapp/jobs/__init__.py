"""The job layer: RQ job functions, beside the pages and above the services.

A job takes primitive ids, reloads its rows, calls one service, commits and re-raises; pages and
services enqueue it by function reference through ``webapp.queues.enqueue``. The ``workers``
package is only the process that runs them (``python -m workers``) and the periodic scheduler;
the webapp never imports it.
"""
