"""The simulated browser of ``bench/bench_http.py``: one persistent connection and one cookie store
per person, and the figures the runs collect.

A browser keeps its connection open between clicks (HTTP/1.1 keep-alive) and reopens it when the
server closed it: gunicorn's sync workers answer every request with ``Connection: close``, its
threaded workers keep the connection for ``--keep-alive`` seconds. ``http.client`` does both for
us (it reconnects on the next request once an answer said close); a connection the server closed
while idle fails on reuse and is retried once on a fresh one, as browsers do. Redirects are not
followed: the bench records the 302 itself. The client is kept cheap (no urllib handler chain, no
cookiejar policy machinery) because it shares the machine's two cores with the server and
PostgreSQL: every millisecond it spends is one the server does not get.
"""
import http.client
import random
import threading
import time
import urllib.parse
from collections import defaultdict
from email.utils import parsedate_to_datetime


class Stopped(Exception):
    """The run's window is over: the simulated person sends nothing more."""


class CookieStore:
    """One person's cookies for the bench's single host: Set-Cookie with Path, Max-Age and Expires.

    Enough for this app (the Flask session and Flask-Login's remember cookie): no Domain
    matching (one host only) and no Secure handling (plain HTTP on 127.0.0.1).
    """

    def __init__(self):
        self.cookies = {}  # (name, path) -> (value, expires at in time.time() seconds or None)

    def update(self, set_cookie_headers):
        """Store or delete what the answer's Set-Cookie headers say."""
        now = time.time()
        for header in set_cookie_headers:
            parts = header.split(";")
            name, _, value = parts[0].partition("=")
            name, path, expires = name.strip(), "/", None
            for attribute in parts[1:]:
                key, _, setting = attribute.partition("=")
                key, setting = key.strip().lower(), setting.strip()
                if key == "path" and setting.startswith("/"):
                    path = setting
                elif key == "max-age":
                    expires = now + int(setting)  # Max-Age wins over Expires (RFC 6265)
                elif key == "expires" and expires is None:
                    try:
                        expires = parsedate_to_datetime(setting).timestamp()
                    except (TypeError, ValueError):
                        pass
            if expires is not None and expires <= now:
                self.cookies.pop((name, path), None)  # how a server deletes a cookie
            else:
                self.cookies[(name, path)] = (value.strip(), expires)

    def header(self, path):
        """The Cookie header for a request to ``path`` (longest paths first), or None."""
        now = time.time()
        chosen = []
        for (name, cookie_path), (value, expires) in self.cookies.items():
            if expires is not None and expires <= now:
                continue
            if path == cookie_path or path.startswith(cookie_path.rstrip("/") + "/") or cookie_path == "/":
                chosen.append((len(cookie_path), name, value))
        chosen.sort(key=lambda item: -item[0])
        return "; ".join(f"{name}={value}" for _, name, value in chosen) or None


class Browser:
    """One person: a persistent connection to the bench's own server on 127.0.0.1 and a cookie store."""

    def __init__(self, host, port, stats, think=0.0, stop=None):
        self.host, self.port, self.stats, self.think, self.stop = host, port, stats, think, stop
        self.cookies = CookieStore()
        self.connection = http.client.HTTPConnection(host, port, timeout=60)

    def request(self, kind, path, data=None):
        """Send one request (POST when ``data`` is given); record it; return (status, text)."""
        if self.stop is not None:
            if self.think:
                # A person reads the page or fills the form before the next click (0.5-1.5x the mean);
                # not part of the measured latency.
                self.stop.wait(self.think * random.uniform(0.5, 1.5))
            if self.stop.is_set():
                raise Stopped()
        headers = {}
        cookie = self.cookies.header(path)
        if cookie:
            headers["Cookie"] = cookie
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        method = "GET" if body is None else "POST"
        started = time.perf_counter()
        try:
            response = self._send(method, path, body, headers)
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):  # refused, reset, timed out: an error, not a crash
            self.connection.close()
            self.stats.record(kind, time.perf_counter() - started, 0)
            return 0, ""
        seconds = time.perf_counter() - started
        self.cookies.update(response.msg.get_all("Set-Cookie") or ())
        cpu = response.getheader("X-Cpu-Ms")
        self.stats.record(kind, seconds, response.status, float(cpu) if cpu else None)
        return response.status, text

    def _send(self, method, path, body, headers):
        """The answer's head; a kept-alive connection the server closed meanwhile is reopened once."""
        reused = self.connection.sock is not None
        try:
            self.connection.request(method, path, body, headers)
            return self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()
            if not reused:
                raise
            with self.stats.lock:
                self.stats.reconnects += 1
            self.connection.request(method, path, body, headers)
            return self.connection.getresponse()

    def close(self):
        """Close the connection (the end of the person's run)."""
        self.connection.close()


class Stats:
    """What one level's requests measured, only inside its timed window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.cpu = defaultdict(list)  # server CPU milliseconds per request (X-Cpu-Ms)
        self.errors = defaultdict(int)
        self.statuses = defaultdict(lambda: defaultdict(int))  # kind -> HTTP status -> answers
        self.completions = 0
        self.taken = set()  # inbox rows some session has worked on (bench_http._take)
        self.logged_in = 0
        self.reconnects = 0  # kept-alive connections found closed by the server on reuse
        self.go = threading.Event()
        self.closed = False  # the window is over: answers arriving later are not counted

    def record(self, kind, seconds, status, cpu_ms=None):
        """One answer: its time, status and server CPU (dropped once the window is over)."""
        with self.lock:
            if self.closed:
                return
            self.times[kind].append(seconds)
            if cpu_ms is not None:
                self.cpu[kind].append(cpu_ms)
            self.statuses[kind][status] += 1
            if status >= 400 or status == 0:
                self.errors[kind] += 1

    def fail(self, kind):
        """A request answered without doing its work (a form re-shown with errors; not an HTTP error)."""
        with self.lock:
            if not self.closed:
                self.errors[kind] += 1

    def complete(self):
        """One visit finished (counted inside the window only)."""
        with self.lock:
            if not self.closed:
                self.completions += 1

    def close(self):
        """End the window: nothing arriving from now on is counted."""
        with self.lock:
            self.closed = True
