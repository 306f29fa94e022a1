"""Rate limits (security review M2): per client, failures only, counted atomically.

Personas from tests/conftest.py: Carla (consultant) signs in from an office behind the same
proxy as an attacker who guesses survey links and passwords; neither the attacker's failures
nor those of anyone else may keep Carla, or a respondent with a valid link, out.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from tests.redis_cache import redis_cache as use_redis_cache
from trustmirror.proxies import client_address
from trustmirror.ratelimit import RateLimitMiddleware
from trustmirror.surveys.services import links_issue, scan_create

PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"  # the reverse proxy every request comes through
REDIS_URL = os.environ.get("TRUSTMIRROR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def tight_limits(settings):
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (3, 600), "login": (2, 600)}
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def behind_proxy(settings, tight_limits):
    settings.TRUSTMIRROR_BEHIND_PROXY = True
    settings.TRUSTMIRROR_PROXY_HOPS = 1
    settings.TRUSTMIRROR_TRUSTED_PROXIES = []


@pytest.fixture
def redis_cache(settings):
    with use_redis_cache(settings, REDIS_URL):
        yield


def _link(acme) -> str:
    import datetime as dt

    _scan = scan_create(
        organisation=acme.org,
        name="Limits",
        opens_on=dt.date(2026, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    links = links_issue(scan=_scan)
    return "/s/" + links[0].token


# --- Which address is the client's -------------------------------------------------------


def _meta(remote: str, forwarded: str | None = None):
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_forwarded_for_is_ignored_unless_the_proxy_is_trusted(settings):
    settings.TRUSTMIRROR_BEHIND_PROXY = False
    assert client_address(_meta(PROXY, "198.51.100.7")) == PROXY


def test_ipv4_clients_of_a_dual_stack_server_are_ipv4(client, db, settings, tight_limits):
    """``::ffff:a.b.c.d`` is an IPv4 client; grouped per IPv6 /64, all of them would be one."""
    settings.TRUSTMIRROR_BEHIND_PROXY = False
    assert client_address(_meta("::ffff:198.51.100.7")) == "198.51.100.7"
    for _ in range(3):
        assert client.get("/s/" + "A" * 22, REMOTE_ADDR="::ffff:6.6.6.6").status_code == 404
    assert client.get("/s/" + "A" * 22, REMOTE_ADDR="::ffff:6.6.6.6").status_code == 429
    assert client.get("/s/" + "A" * 22, REMOTE_ADDR="::ffff:198.51.100.7").status_code == 404


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # The client may send its own header; only what our proxy appended counts.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (1, " 198.51.100.7 ", "198.51.100.7"),
        # Two proxies (a CDN, then ours): the CDN's address is the last entry.
        (2, "6.6.6.6, 198.51.100.7, 203.0.113.9", "198.51.100.7"),
        # Fewer entries than proxies: the request did not come through them all.
        (2, "198.51.100.7", PROXY),
        (1, None, PROXY),
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "2001:db8::5", "2001:db8::5"),
        (1, "[2001:db8::5]:4711", "2001:db8::5"),
        (1, "198.51.100.7:4711", "198.51.100.7"),
    ],
)
def test_client_address_counts_trusted_proxy_hops(settings, hops, forwarded, expected):
    settings.TRUSTMIRROR_BEHIND_PROXY = True
    settings.TRUSTMIRROR_PROXY_HOPS = hops
    settings.TRUSTMIRROR_TRUSTED_PROXIES = []
    assert client_address(_meta(PROXY, forwarded)) == expected


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        # Through the CDN (trusted too) and our proxy.
        (PROXY, "198.51.100.7, 192.0.2.44", "198.51.100.7"),
        # Straight to the app, around the proxy: the header is the client's own, not ours.
        ("203.0.113.50", "198.51.100.7", "203.0.113.50"),
        # Only trusted addresses: the leftmost is the best we know.
        (PROXY, "10.0.0.3", "10.0.0.3"),
    ],
)
def test_client_address_walks_past_trusted_proxy_addresses(settings, remote, forwarded, expected):
    import ipaddress

    settings.TRUSTMIRROR_BEHIND_PROXY = True
    settings.TRUSTMIRROR_PROXY_HOPS = 1
    settings.TRUSTMIRROR_TRUSTED_PROXIES = [
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("192.0.2.0/24"),
    ]
    assert client_address(_meta(remote, forwarded)) == expected


# --- Behind a proxy, each client has its own bucket --------------------------------------


def test_behind_a_proxy_one_guesser_does_not_block_other_clients(client, db, behind_proxy):
    for _ in range(3):
        response = client.get("/s/" + "A" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6")
        assert response.status_code == 404
    guesser = client.get("/s/" + "B" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert guesser.status_code == 429 and guesser["Retry-After"] == "600"
    # A spoofed header does not give the guesser a fresh bucket: the proxy appends the truth.
    spoofed = client.get(
        "/s/" + "C" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 6.6.6.6"
    )
    assert spoofed.status_code == 429
    colleague = client.get("/s/" + "D" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert colleague.status_code == 404


def test_without_the_proxy_setting_everyone_behind_it_shares_one_address(client, db, settings):
    """The header is never trusted without TRUSTMIRROR_BEHIND_PROXY: spoofing gains nothing."""
    settings.TRUSTMIRROR_BEHIND_PROXY = False
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (3, 600), "login": (2, 600)}
    caches["default"].clear()
    for n in range(3):
        forwarded = f"6.6.6.{n}"
        assert client.get("/s/" + "A" * 22, HTTP_X_FORWARDED_FOR=forwarded).status_code == 404
    assert client.get("/s/" + "A" * 22, HTTP_X_FORWARDED_FOR="6.6.6.99").status_code == 429
    caches["default"].clear()


def test_ipv6_clients_are_counted_per_64_block(client, db, behind_proxy):
    """One host holds a whole /64; counting single IPv6 addresses would limit nothing."""
    for n in range(3):
        forwarded = f"2001:db8:1:2::{n + 1}"
        assert (
            client.get("/s/" + "A" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        ).status_code == 404
    blocked = client.get(
        "/s/" + "A" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:2:ffff::9"
    )
    assert blocked.status_code == 429
    other = client.get("/s/" + "A" * 22, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="2001:db8:1:3::1")
    assert other.status_code == 404


# --- Only failures are refused ------------------------------------------------------------


def test_a_valid_survey_link_works_from_a_blocked_address(client, acme, tight_limits):
    link = _link(acme)
    for _ in range(3):
        assert client.get("/s/" + "A" * 22).status_code == 404
    assert client.get("/s/" + "B" * 22).status_code == 429
    response = client.get(link)
    assert response.status_code < 400, response.status_code
    # ...and the valid link did not reset the count: guessing stays refused.
    assert client.get("/s/" + "C" * 22).status_code == 429


def test_the_correct_password_works_from_a_blocked_address(client, acme, tight_limits):
    for _ in range(2):
        response = client.post(reverse("login"), {"username": "carla", "password": "wrong"})
        assert response.status_code == 200
    refused = client.post(reverse("login"), {"username": "carla", "password": "wrong"})
    assert refused.status_code == 429 and refused["Retry-After"] == "600"
    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(acme.carla.pk)


def test_failed_logins_at_the_office_proxy_do_not_lock_out_colleagues(client, acme, behind_proxy):
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": "carla", "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="6.6.6.6",
        )
    response = client.post(
        reverse("login"),
        {"username": "dana", "password": "also wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 200  # Dana's own first failure: the form again, no 429


# --- Atomic counting ------------------------------------------------------------------------


def _hammer(threads: int) -> list[int]:
    """``threads`` failures at once from one address, through the middleware; their statuses.

    The view waits a little, so that every request is inside the middleware at the same
    time: a check-then-increment counter lets them all through.
    """
    barrier = threading.Barrier(threads)

    def failing_view(request):
        time.sleep(0.05)
        return HttpResponse(status=404)

    middleware = RateLimitMiddleware(failing_view)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        request = RequestFactory().get("/s/" + "Z" * 22, REMOTE_ADDR="192.0.2.1")
        barrier.wait()
        status = middleware(request).status_code
        with lock:
            statuses.append(status)

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return statuses


def test_parallel_failures_are_counted_exactly_on_redis(db, settings, redis_cache):
    """Against the machine's real Redis: 40 failures at once, limit 10, exactly 10 get through."""
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (10, 60), "login": (10, 60)}
    statuses = _hammer(40)
    assert sorted(statuses) == [404] * 10 + [429] * 30


def test_parallel_failures_are_counted_exactly_in_local_memory(db, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (10, 60), "login": (10, 60)}
    caches["default"].clear()
    statuses = _hammer(40)
    caches["default"].clear()
    assert sorted(statuses) == [404] * 10 + [429] * 30


def test_the_redis_counter_expires_with_its_window(db, settings, redis_cache):
    import redis

    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (10, 60), "login": (10, 60)}
    _hammer(2)
    connection = redis.Redis.from_url(REDIS_URL)
    keys = connection.keys("*tm-rl:survey:*")
    assert len(keys) == 1
    assert 0 < connection.ttl(keys[0]) <= 60  # never a counter without expiry
