"""Limits on failed log-ins, per account and per client address, counted in Redis.

Counters live in Redis (not in the process), so a lock survives a restart of the web app and
holds across several web processes. Each counter expires ``LOGIN_LOCK_SECONDS`` after its first
failure; reaching the limit locks until the counter expires or an administrator unlocks the
account. Redis being down must not keep staff out (Redis only rings the bell, see README):
then the limit is not applied and a warning is logged.
"""
import hashlib
import logging
from dataclasses import dataclass

import redis
from flask import current_app

from ..queues import redis_connection
from ..services import audit

log = logging.getLogger(__name__)
PREFIX = "login-failures:"


@dataclass(frozen=True)
class Lock:
    """Why log-ins are refused: ``scope`` is "account" or "address"; ``seconds`` left."""

    scope: str
    seconds: int


def _settings():
    config = current_app.config
    return (int(config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)), int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)),
            int(config.get("LOGIN_LOCK_SECONDS", 900)))


def _key(scope, value):
    # Hashed: user names and addresses are personal data, and any text makes a safe key this way.
    digest = hashlib.sha256((value or "").strip().lower().encode("utf-8")).hexdigest()[:32]
    return f"{PREFIX}{scope}:{digest}"


def _count(connection, key):
    value = connection.get(key)
    return int(value) if value else 0


def lock_for(username: str, address: str | None) -> Lock | None:
    """The lock that refuses a log-in as ``username`` from ``address`` now, or None."""
    per_account, per_address, _ = _settings()
    try:
        connection = redis_connection()
        for scope, value, limit in (("account", username, per_account), ("address", address, per_address)):
            key = _key(scope, value)
            if _count(connection, key) >= limit:
                return Lock(scope, max(int(connection.ttl(key)), 1))
    except redis.exceptions.RedisError as err:
        log.warning("login limits not checked, Redis unavailable: %s", err)
    return None


def record_failure(user, username: str, address: str | None) -> list[str]:
    """Count one failed log-in; the scopes ("account", "address") that this failure locked.

    Each lock is written to the audit log (in the caller's transaction) as ``login_locked``.
    """
    per_account, per_address, window = _settings()
    locked = []
    try:
        connection = redis_connection()
        for scope, value, limit in (("account", username, per_account), ("address", address, per_address)):
            key = _key(scope, value)
            with connection.pipeline() as pipe:
                pipe.incr(key)
                pipe.ttl(key)
                count, ttl = pipe.execute()
            if count == 1 or ttl < 0 or count == limit:
                # The lock lasts a full window from the failure that reached the limit.
                connection.expire(key, window)
            if count == limit:
                locked.append(scope)
                audit.record(user, "login_locked", "user" if scope == "account" else "address", value, detail=scope)
    except redis.exceptions.RedisError as err:
        log.warning("failed log-in not counted, Redis unavailable: %s", err)
    return locked


def clear_account(username: str) -> None:
    """Forget an account's failures (after a successful log-in, or an administrator's unlock)."""
    try:
        redis_connection().delete(_key("account", username))
    except redis.exceptions.RedisError as err:
        log.warning("log-in failures not cleared, Redis unavailable: %s", err)


def locked_accounts(usernames) -> set[str]:
    """Which of ``usernames`` are locked now (for the administrators' user list)."""
    per_account, _, _ = _settings()
    names = list(usernames)
    if not names:
        return set()
    try:
        counts = redis_connection().mget([_key("account", name) for name in names])
    except redis.exceptions.RedisError as err:
        log.warning("log-in locks not read, Redis unavailable: %s", err)
        return set()
    return {name for name, count in zip(names, counts) if count and int(count) >= per_account}
