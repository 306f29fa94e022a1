"""The rate limit per API token: N requests a window, the N+1st refused with 429.

Tokens (conftest.py): Acme's read and write tokens, a revoked one, and Globex's read token.
The limits are tightened here (5 reads and 2 imports a minute) and the clock of the limit is
held still, so that no window boundary falls inside a test; one test on Redis runs on the
real clock. The site's defaults (600 a minute, 30 imports an hour) are in trustmirror.ratelimit.
"""

from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.redis_cache import redis_cache as use_redis_cache
from trustmirror import ratelimit
from trustmirror.orgs.models import Person

pytestmark = pytest.mark.django_db

READS, IMPORTS, WINDOW = 5, 2, 60
# A database of its own: the ratelimit tests of tests/security use 15, others 14 and 0.
REDIS_URL = os.environ.get("TRUSTMIRROR_TEST_API_REDIS_URL", "redis://127.0.0.1:6379/13")
START = 1000 * WINDOW + 15  # 15 s into a window: the next one begins in 45 s
CSV = b"name,email,language,unit,lead\nNina,nina@acme.test,en,Sales/Team East,no\n"


@pytest.fixture
def limits(settings):
    settings.TRUSTMIRROR_RATE_LIMITS = {
        "api": (READS, WINDOW),
        "api_import": (IMPORTS, WINDOW),
        "api_auth": (10_000, 600),  # the floods of 401s here are about the token's limit
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def clock(monkeypatch, limits):
    """The limit's clock, held at START until a test moves it."""
    now = SimpleNamespace(value=float(START))
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now.value))
    return now


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _reads(client, token: str, n: int) -> list[int]:
    return [client.get("/api/v1/units", **bearer(token)).status_code for _ in range(n)]


def _import(client, token: str):
    return client.post(
        "/api/v1/people/import",
        {"file": SimpleUploadedFile("people.csv", CSV)},
        **bearer(token),
    )


def test_a_token_may_make_exactly_its_limit(client, tokens, clock):
    assert _reads(client, tokens["read"], READS) == [200] * READS
    refused = client.get("/api/v1/units", **bearer(tokens["read"]))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {
        "detail": "Too many requests with this API token: at most 5 in 60 seconds. "
        "Try again in 45 seconds.",
        "retry_after": 45,
    }


def test_every_endpoint_and_every_answer_counts(client, scan, tokens, clock):
    """Reads of any endpoint share one count; a refused read (404, 400) is a request too."""
    token = bearer(tokens["read"])
    statuses = [
        client.get("/api/v1/units", **token).status_code,
        client.get("/api/v1/scans", **token).status_code,
        client.get(f"/api/v1/scans/{scan.pk}/results", **token).status_code,
        client.get("/api/v1/scans/987654", **token).status_code,
        client.get("/api/v1/scans/abc", **token).status_code,
        client.get(f"/api/v1/scans/{scan.pk}/participation", **token).status_code,
    ]
    assert statuses == [200, 200, 200, 404, 400, 429]


def test_another_token_is_unaffected(client, tokens, clock):
    assert _reads(client, tokens["read"], READS + 3) == [200] * READS + [429] * 3
    assert _reads(client, tokens["write"], READS) == [200] * READS
    assert _reads(client, tokens["globex"], READS) == [200] * READS


def test_requests_without_a_valid_token_are_not_counted_against_a_token(client, tokens, clock):
    """Nobody uses up a token's requests without holding it: a flood of missing, malformed,
    unknown and revoked tokens gets 401 each, and the token still has all of its own."""
    flood = [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": f"Token {tokens['read']}"},
        {"HTTP_AUTHORIZATION": f"Bearer {tokens['read']}x"},
        {"HTTP_AUTHORIZATION": f"Bearer {tokens['read']} {tokens['read']}"},
        bearer(tokens["revoked"]),
    ]
    for headers in flood * 10:
        assert client.get("/api/v1/units", **headers).status_code == 401
    assert _reads(client, tokens["read"], READS + 1) == [200] * READS + [429]


def test_the_window_expires(client, tokens, clock):
    assert _reads(client, tokens["read"], READS + 1) == [200] * READS + [429]
    clock.value = START + 44  # one second before the next window
    refused = client.get("/api/v1/units", **bearer(tokens["read"]))
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    assert refused.json()["detail"].endswith("Try again in 1 second.")
    clock.value = START + 45
    assert _reads(client, tokens["read"], READS + 1) == [200] * READS + [429]


def test_imports_have_their_own_lower_limit(client, tokens, clock):
    """Two imports a minute; the third is refused before its file is read, and writes
    nothing. Reads are counted apart: neither kind uses up the other."""
    assert _reads(client, tokens["write"], READS) == [200] * READS
    assert [_import(client, tokens["write"]).status_code for _ in range(IMPORTS)] == [200, 200]
    people = Person.objects.count()
    refused = client.post(
        "/api/v1/people/import",
        {"file": SimpleUploadedFile("people.pdf", b"%PDF-1.4")},  # refused by its limit first
        **bearer(tokens["write"]),
    )
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(
        "Too many requests with this API token: at most 2 in 60 seconds."
    )
    assert Person.objects.count() == people


def test_the_defaults_are_600_reads_a_minute_and_30_imports_an_hour(settings):
    """As the settings ship them (no environment), and where a site's settings name none."""
    for shipped in (True, False):
        if not shipped:
            del settings.TRUSTMIRROR_RATE_LIMITS
        assert ratelimit._limits()["api"] == (600, 60)
        assert ratelimit._limits()["api_import"] == (30, 3600)


def test_token_guessers_get_20_refusals_in_ten_minutes_by_default(settings):
    """The README's and the threat model's figure (the API tests raise it: conftest.py)."""
    del settings.TRUSTMIRROR_RATE_LIMITS
    assert ratelimit._limits()["api_auth"] == (20, 600)


def test_a_setting_that_names_other_kinds_keeps_the_api_defaults(settings):
    """Deployments (and tests) that set only the survey and login limits keep the API's."""
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (3, 600), "login": (2, 600)}
    assert ratelimit._limits()["api"] == (600, 60)
    assert ratelimit._limits()["survey"] == (3, 600)


# --- on Redis, as in production -----------------------------------------------------------


@pytest.fixture
def redis_cache(settings, limits):
    with use_redis_cache(settings, REDIS_URL) as client:
        yield client


def test_the_limit_holds_on_redis_on_the_real_clock(client, tokens, settings, redis_cache):
    """Five reads in a two-second window, the sixth refused; the counter has an expiry; the
    next window allows five again. Started just after a window begins, so none ends inside."""
    window = 2
    settings.TRUSTMIRROR_RATE_LIMITS = {"api": (READS, window)}
    time.sleep(window - time.time() % window + 0.05)
    assert _reads(client, tokens["read"], READS + 1) == [200] * READS + [429]
    assert _reads(client, tokens["write"], 1) == [200]
    keys = redis_cache.keys("*tm-rl:api:*")
    assert len(keys) == 2  # one counter for each token
    assert all(0 < redis_cache.ttl(key) <= window for key in keys)  # none without expiry
    time.sleep(window - time.time() % window + 0.05)
    assert _reads(client, tokens["read"], READS + 1) == [200] * READS + [429]


def test_calls_refused_for_their_token_are_limited_per_address(client, tokens, settings):
    """Someone guessing tokens: after the limit, that address's further 401s become 429s
    (JSON, with Retry-After); a valid token still works from the same address, and another
    address's refusals are still 401s."""
    settings.TRUSTMIRROR_RATE_LIMITS = {"api_auth": (3, 600)}
    guesses = [client.get("/api/v1/units", **bearer(f"tm_{n:064x}")) for n in range(5)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429, 429]
    assert guesses[-1]["Retry-After"] == "600"
    assert guesses[-1]["Content-Type"].startswith("application/json")
    assert guesses[-1].json()["detail"]
    assert client.get("/api/v1/units", **bearer(tokens["read"])).status_code == 200
    assert client.get("/api/v1/units", REMOTE_ADDR="192.0.2.7").status_code == 401
