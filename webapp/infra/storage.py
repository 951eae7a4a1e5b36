"""The photo store: one small interface, a folder backend (default) and an S3-compatible backend.

Photo bytes never go into the database; a row keeps only the random key. Choose the backend with
``PHOTO_STORAGE_URL``:

- empty: the folder ``<instance>/photos`` (the embedded set-up, tests);
- ``file:///srv/photos``: another folder (e.g. a mounted network volume);
- ``s3://bucket/prefix?endpoint=https://minio.local:9000&region=cn-north-1``: an S3-compatible
  object store (MinIO, Ceph, a cloud's OSS); credentials come from the usual AWS_* environment
  variables, never from the URL. Needs ``boto3`` installed (not a default dependency).
"""
import os
import secrets
from urllib.parse import parse_qs, urlparse

from flask import current_app


class PhotoStore:
    """What every backend offers: put bytes under a new random key, get them back, delete."""

    def put(self, data: bytes, suffix: str) -> str:
        """Store ``data``; return its key (random, unguessable, not derived from the content)."""
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key`` (KeyError when absent)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        """Remove ``key`` (absent keys are ignored)."""
        raise NotImplementedError


def new_key(suffix):
    """A random key in two-level fan-out folders so no folder grows huge."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:4]}/{token}{suffix}"


def _checked(key):
    # Keys are made by new_key; refuse anything else so a key can never walk out of the store.
    parts = key.split("/")
    if len(parts) != 3 or any(not p or p.startswith(".") for p in parts) or "\\" in key:
        raise KeyError(key)
    return parts


class FolderStore(PhotoStore):
    """Files under one folder; written to a temporary name then renamed (never half a file)."""

    def __init__(self, root):
        self.root = root

    def _path(self, key):
        return os.path.join(self.root, *_checked(key))

    def put(self, data, suffix):
        key = new_key(suffix)
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = path + ".part"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        return key

    def get(self, key):
        try:
            with open(self._path(key), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key):
        try:
            os.remove(self._path(key))
        except FileNotFoundError:
            pass


class S3Store(PhotoStore):
    """An S3-compatible bucket (boto3 imported only when this backend is configured)."""

    def __init__(self, bucket, prefix="", endpoint=None, region=None):
        import boto3  # optional dependency: pip install boto3 where photos go to an object store

        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=region)

    def _name(self, key):
        _checked(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, data, suffix):
        key = new_key(suffix)
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)
        return key

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise KeyError(key) from None

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))


def store_from_url(url, instance_path):
    """The backend a ``PHOTO_STORAGE_URL`` names (see the module docstring)."""
    if not url:
        return FolderStore(os.path.join(instance_path, "photos"))
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return FolderStore(parsed.path)
    if parsed.scheme == "s3":
        query = parse_qs(parsed.query)
        return S3Store(parsed.netloc, parsed.path, endpoint=query.get("endpoint", [None])[0],
                       region=query.get("region", [None])[0])
    raise ValueError(f"PHOTO_STORAGE_URL: unknown scheme {parsed.scheme!r}")


def photo_store():
    """The application's photo store (made once per application)."""
    store = current_app.extensions.get("photo_store")
    if store is None:
        store = store_from_url(current_app.config.get("PHOTO_STORAGE_URL", ""), current_app.instance_path)
        current_app.extensions["photo_store"] = store
    return store
