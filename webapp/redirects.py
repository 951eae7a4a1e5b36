"""Following a ``next`` parameter safely: only paths on this site, never another host.

Every view that redirects to an address taken from the request goes through :func:`safe_next`.
"""
from urllib.parse import urlsplit

from flask import url_for


def _is_local_path(target: str) -> bool:
    # Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
    # "/\t/evil.example/" and "/\\evil.example" would become "//evil.example" (another host);
    # a newline in a Location header also makes Werkzeug refuse the response (a 500).
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch.isspace() for ch in target) or "\\" in target:
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target, default_endpoint: str = "inbox.index", **default_values) -> str:
    """``target`` if it is a path on this site, else the URL of ``default_endpoint``."""
    if isinstance(target, str) and target and len(target) <= 2000 and _is_local_path(target):
        return target
    return url_for(default_endpoint, **default_values)
