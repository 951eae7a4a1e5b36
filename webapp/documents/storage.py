"""Where archive PDFs are kept: a folder (``ARCHIVE_DIR``, default ``<instance>/archives``).

Two functions, so a different store (an object store) can replace them without touching callers.
Keys are relative paths built from codes and archive numbers, never from user text.
"""
import os
import re
import tempfile

from flask import current_app

_SAFE = re.compile(r"^[0-9A-Za-z._/-]+$")


def _root():
    return current_app.config.get("ARCHIVE_DIR") or os.path.join(current_app.instance_path, "archives")


def _path(key):
    # Keys come from area codes and archive numbers; refuse anything that could leave the folder.
    if not _SAFE.match(key) or ".." in key.split("/") or key.startswith("/"):
        raise ValueError("bad storage key")
    return os.path.join(_root(), *key.split("/"))


def save(key, data):
    """Store ``data`` under ``key`` (replacing the previous file atomically)."""
    path = _path(key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def load(key):
    """The bytes stored under ``key`` (FileNotFoundError when missing)."""
    with open(_path(key), "rb") as handle:
        return handle.read()
