"""The site's cache on a real Redis database for one test, as production keeps rate limits.

Each test module names a database number of its own (its URL), so that parallel runs of the
suite (SQLite and PostgreSQL side by side) never flush each other's counters.
"""

from __future__ import annotations

import contextlib

import pytest
from django.core.cache import caches


@contextlib.contextmanager
def redis_cache(settings, url: str):
    """Point ``caches["default"]`` at ``url`` and empty that database before and after; yields
    a client of it. Fails the test, saying so, when Redis is not running."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis is not reachable at {url}; start it (see README) or set the URL")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].clear()  # FLUSHDB of this database only
    try:
        yield redis.Redis.from_url(url)
    finally:
        caches["default"].clear()
