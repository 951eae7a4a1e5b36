"""The application for the HTTP benchmark, telling the CPU time each request cost.

    gunicorn bench.wsgi_cpu:app

Each response carries ``X-Cpu-Ms``: the CPU milliseconds the serving thread spent on it
(``time.thread_time``: right under threaded workers too, and much less disturbed by other
programs on a loaded machine than the wall time). The app is the production entry point's
(``webapp/wsgi.py``, with its garbage-collector settings), so the bench measures what gunicorn
serves. For benchmarks only.
"""
import time

from webapp.wsgi import app as _app


def app(environ, start_response):
    """Run the request, buffer the answer, add the CPU time it took as a header."""
    started = time.thread_time()
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"], captured["exc_info"] = status, headers, exc_info
        return lambda data: None  # the application writes through its returned body only

    result = _app(environ, capture)
    try:
        body = list(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    cpu = (time.thread_time() - started) * 1000
    start_response(captured["status"], captured["headers"] + [("X-Cpu-Ms", f"{cpu:.3f}")], captured["exc_info"])
    return body
