"""Rate limits on the URLs an attacker would hammer: survey links and the login form.

Only failures count, and only failures are refused: a wrong survey link (404 under /s/) or a
failed login. Past the limit, a client's further failures are answered with 429 instead, but
a valid link or the right password still works, so nobody is locked out by someone else's
guessing: not the colleague behind the same office address, not everyone behind the proxy.
Clients are told apart by :func:`trustmirror.proxies.client_address` (IPv6 by /64 block,
which one host may hold whole).

Counters live in Django's cache (Redis in production, see TRUSTMIRROR_CACHE_URL) and are
counted atomically: each failure adds one and reads the new count in one step, so however
many failures arrive at once, exactly ``limit`` of them are answered as such. The window is
fixed: it starts with a client's first failure.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustmirror.proxies import client_address

SURVEY_PREFIX = "/s/"
LOGIN_PATH = "/accounts/login/"

# INCR and, for a new counter, EXPIRE in one step: two separate commands could leave a
# counter without expiry (and its client blocked for good) if the key expired between them.
_REDIS_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


def _limits() -> dict[str, tuple[int, int]]:
    # (max failures, window in seconds), overridable for tests and deployments
    return getattr(
        settings,
        "TRUSTMIRROR_RATE_LIMITS",
        {"survey": (20, 600), "login": (10, 600)},
    )


def _bucket(request: HttpRequest) -> str | None:
    if request.path.startswith(SURVEY_PREFIX):
        return "survey"
    if request.path == LOGIN_PATH and request.method == "POST":
        return "login"
    return None


def client_key(request: HttpRequest) -> str:
    """The client a limit counts for: its address, an IPv6 client by its /64 block."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _failed(bucket: str, response: HttpResponse) -> bool:
    if bucket == "survey":
        return response.status_code == 404
    # A failed login re-renders the form (200); a successful one redirects.
    return response.status_code == 200


def failure_count(key: str, window: int) -> int:
    """Add one failure to ``key`` (a window of ``window`` seconds); return the count so far."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # Django's RedisCache.incr checks existence and increments in two commands; go to
        # the client (Django's own, with its connection pool) for one atomic script instead.
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        return int(client.eval(_REDIS_COUNT, 1, full_key, window))
    # Other caches (the local-memory one of the demo): add and incr are each atomic, and
    # incr fails rather than counting into an expired window, so retry with a new window.
    while True:
        cache.add(key, 0, timeout=window)
        try:
            return cache.incr(key)
        except ValueError:
            continue


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bucket = _bucket(request)
        if bucket is None:
            return self.get_response(request)
        response = self.get_response(request)
        if not _failed(bucket, response):
            return response
        limit, window = _limits()[bucket]
        if failure_count(f"tm-rl:{bucket}:{client_key(request)}", window) <= limit:
            return response
        refused = render(request, "ratelimited.html", status=429)
        refused["Retry-After"] = str(window)
        return refused
