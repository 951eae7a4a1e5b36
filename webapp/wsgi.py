"""WSGI entry point for gunicorn: ``gunicorn 'webapp.wsgi:app'``.

After the app is built, the objects it made (modules, models, compiled statements, blueprints:
about 250,000 in all) are frozen out of the cyclic garbage collector, and its youngest generation
is collected less often. bench/gc_requests.py measured, on one assistant's request rounds: the
collector spent about 0.04 ms per work request (gen0 collections, mostly in the middle of a
request), none with gen0's threshold at 7,000 (a request's peak of live new objects stays below
it); a full collection, which the collector runs now and then as long-lived objects pile up,
walked every one of those objects for tens of milliseconds (169 ms measured on a busy machine)
and costs nothing for frozen ones.

Memory: frozen objects are never collected, so the start-up garbage is collected once before the
freeze; cycles made by requests wait for up to 7,000 net new objects (well under a megabyte)
before they are freed. Under ``gunicorn --preload`` (not the README's command: each worker builds
its own app) the freeze also keeps the pages the workers share with the parent shared: a
collection writes to the header of every object it walks, which copies the page on write.
"""
import gc

from webapp import create_app

app = create_app()

GEN0_THRESHOLD = 7000
gc.collect()  # the start-up garbage goes now: a frozen object is never collected
gc.freeze()
gc.set_threshold(GEN0_THRESHOLD, *gc.get_threshold()[1:])
