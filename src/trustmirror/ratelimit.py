"""Rate limits on the URLs an attacker would hammer: survey links and the login form.

Only failures count: a wrong survey link (404 under /s/) or a failed login. An office behind one
address can answer a survey together; someone guessing links or passwords is stopped. Counters
live in Django's cache (Redis in production, see TRUSTMIRROR_CACHE_URL).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

SURVEY_PREFIX = "/s/"
LOGIN_PATH = "/accounts/login/"


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


def _key(bucket: str, request: HttpRequest) -> str:
    return f"tm-rl:{bucket}:{request.META.get('REMOTE_ADDR', '')}"


def _failed(bucket: str, response: HttpResponse) -> bool:
    if bucket == "survey":
        return response.status_code == 404
    # A failed login re-renders the form (200); a successful one redirects.
    return response.status_code == 200


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bucket = _bucket(request)
        if bucket is None:
            return self.get_response(request)
        limit, window = _limits()[bucket]
        key = _key(bucket, request)
        if cache.get(key, 0) >= limit:
            response = render(request, "ratelimited.html", status=429)
            response["Retry-After"] = str(window)
            return response
        response = self.get_response(request)
        if _failed(bucket, response):
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
        return response
