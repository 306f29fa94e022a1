"""Rate limits on the URLs an attacker would hammer (survey links, the login form), and per API
token.

Survey links, logins and API tokens: only failures count, and only failures are refused: a
wrong survey link (404 under /s/), a failed login, an API call without a valid token (401
under /api/). Past the limit, a client's further failures are
answered with 429 instead, but a valid link or the right password still works, so nobody is
locked out by someone else's guessing: not the colleague behind the same office address, not
everyone behind the proxy, not the HR system whose token is valid.
Clients are told apart by :func:`trustmirror.proxies.client_address` (IPv6 by /64 block,
which one host may hold whole).

Counters live in Django's cache (Redis in production, see TRUSTMIRROR_CACHE_URL) and are
counted atomically: each failure adds one and reads the new count in one step, so however
many failures arrive at once, exactly ``limit`` of them are answered as such. The window is
fixed: it starts with a client's first failure.

API tokens (:func:`api_rate_exceeded`, called by the API once a token is recognised): every
request counts, per token, in windows aligned to the clock, so that the answer past the limit
can say exactly when the next window begins.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustmirror.proxies import client_address

SURVEY_PREFIX = "/s/"
API_PREFIX = "/api/"
LOGIN_PATH = "/accounts/login/"

# INCR and, for a new counter, EXPIRE in one step: two separate commands could leave a
# counter without expiry (and its client blocked for good) if the key expired between them.
_REDIS_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


#: (most counted requests, window in seconds) per kind; TRUSTMIRROR_RATE_LIMITS overrides any
#: of them. survey, login and api_auth (API calls refused for their token: 401) count failures
#: per client; api and api_import count every request
#: of one API token: 600 a minute is ten a second, more than a dashboard or a nightly sync
#: needs; an import (up to 50,000 people) is far dearer, and an HR system sends one a night.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "survey": (20, 600),
    "login": (10, 600),
    "api_auth": (20, 600),
    "api": (600, 60),
    "api_import": (30, 3600),
}


def _limits() -> dict[str, tuple[int, int]]:
    # A setting may name only some kinds (tests tighten one): the others keep their default.
    return {**DEFAULT_LIMITS, **getattr(settings, "TRUSTMIRROR_RATE_LIMITS", {})}


def _bucket(request: HttpRequest) -> str | None:
    if request.path.startswith(SURVEY_PREFIX):
        return "survey"
    if request.path.startswith(API_PREFIX):
        return "api_auth"
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
    if bucket == "api_auth":
        # No token, a malformed, unknown or revoked one: someone may be guessing tokens.
        return response.status_code == 401
    # A failed login re-renders the form (200); a successful one redirects.
    return response.status_code == 200


def hit_count(key: str, window: int) -> int:
    """Add one to ``key`` (a window of ``window`` seconds from its first hit); return the count.

    Atomic: of any number of simultaneous hits, each gets its own count.
    """
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


@dataclass(frozen=True)
class Exceeded:
    """A refused request: the limit it went over, and the seconds until the next window."""

    limit: int
    window: int
    retry_after: int


def api_rate_exceeded(kind: str, token_key: str, *, now: float | None = None) -> Exceeded | None:
    """Count one request of an API token of ``kind`` (api or api_import); None if allowed.

    ``token_key`` tells the token apart from every other, also from tokens that a test's
    rolled-back database gave the same id. The window is the clock's: its number is in the
    key, so the counter of the next window starts at zero without waiting for an expiry,
    and the wait is exact (a counter's own start would need its age, which only Redis has).
    """
    limit, window = _limits()[kind]
    now = time.time() if now is None else now
    number = int(now // window)
    if hit_count(f"tm-rl:{kind}:{token_key}:{number}", window) <= limit:
        return None
    retry_after = max(1, math.ceil((number + 1) * window - now))
    return Exceeded(limit=limit, window=window, retry_after=retry_after)


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
        if hit_count(f"tm-rl:{bucket}:{client_key(request)}", window) <= limit:
            return response
        refused = render(request, "ratelimited.html", status=429)
        refused["Retry-After"] = str(window)
        return refused
