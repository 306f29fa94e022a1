"""Web security: production settings, rate limits, CSP and the audit trail."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.redis_cache import redis_cache
from trustmirror.audit.models import AuditEvent


def test_check_deploy_is_clean_for_production_settings(tmp_path):
    env = {
        **os.environ,
        "TRUSTMIRROR_PRODUCTION": "1",
        "TRUSTMIRROR_DATA_DIR": str(tmp_path),
        "TRUSTMIRROR_ALLOWED_HOSTS": "trust.example.org",
    }
    env.pop("TRUSTMIRROR_DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by conftest for Playwright, not deployed
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "trustmirror.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_and_production_together_are_refused(tmp_path):
    env = {
        **os.environ,
        "TRUSTMIRROR_PRODUCTION": "1",
        "TRUSTMIRROR_DEBUG": "1",
        "TRUSTMIRROR_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "trustmirror.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TRUSTMIRROR_DEBUG must be off" in result.stderr


def test_strict_content_security_policy_on_every_page(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.fixture
def tight_limits(settings):
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (3, 600), "login": (2, 600)}
    cache.clear()
    yield
    cache.clear()


def test_guessing_survey_links_is_rate_limited(client, db, tight_limits):
    for _ in range(3):
        assert client.get("/s/" + "A" * 22).status_code == 404
    blocked = client.get("/s/" + "B" * 22)
    assert blocked.status_code == 429 and blocked["Retry-After"] == "600"
    other_address = client.get("/s/" + "C" * 22, REMOTE_ADDR="10.9.8.7")
    assert other_address.status_code == 404


def test_failed_logins_are_rate_limited(client, acme, tight_limits):
    for _ in range(2):
        response = client.post(reverse("login"), {"username": "carla", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "carla", "password": "wrong"})
    assert response.status_code == 429  # the right password still works: test_rate_limits.py


def test_successful_logins_do_not_count(client, acme, tight_limits):
    for _ in range(4):
        response = client.post(
            reverse("login"), {"username": "carla", "password": "correct-horse-battery"}
        )
        assert response.status_code == 302
        client.logout()


def test_csrf_is_enforced(acme):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(acme.carla)
    response = strict.post(reverse("scans:create", kwargs={"org": "acme"}), {"name": "x"})
    assert response.status_code == 403


def test_audit_log_records_exports_without_secrets(client, acme):
    """The letter file holds every link; its audit event, like every other, holds none."""
    client.force_login(acme.carla)
    response = client.post(
        reverse("scans:create", kwargs={"org": "acme"}),
        {
            "name": "Audit",
            "opens_on": "2026-01-01",
            "closes_on": "2030-01-01",
            "min_group_size": 5,
            "delivery": "letters",
        },
    )
    assert response.status_code == 302
    scan_id = int(response["Location"].rstrip("/").split("/")[-2])
    download = client.post(
        reverse("scans:letters", kwargs={"org": "acme", "scan_id": scan_id}),
        {"letters-confirm": "on"},
    )
    letters = b"".join(download.streaming_content).decode("utf-8-sig")
    assert letters.count("/s/") == 14
    events = list(AuditEvent.objects.order_by("pk").values_list("user__username", "action"))
    assert events == [("carla", AuditEvent.CREATE_SCAN), ("carla", AuditEvent.EXPORT_LETTERS)]
    for event in AuditEvent.objects.all():
        assert "/s/" not in event.target and event.target not in ("",)


def test_rate_limit_counters_work_on_redis(client, db, settings):
    """Production keeps counters in Redis (TRUSTMIRROR_CACHE_URL); the machine runs one."""
    url = os.environ.get("TRUSTMIRROR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.TRUSTMIRROR_RATE_LIMITS = {"survey": (2, 60), "login": (2, 60)}
    with redis_cache(settings, url):
        assert client.get("/s/" + "D" * 22).status_code == 404
        assert client.get("/s/" + "E" * 22).status_code == 404
        assert client.get("/s/" + "F" * 22).status_code == 429


def test_no_log_line_carries_a_survey_token(db):
    """Every handler of the loggers that print request paths redacts the token."""
    import logging

    token = "Q" * 22
    for name, message, args in (
        ("django.server", '"%s" %s %s', (f"GET /s/{token} HTTP/1.1", "404", "179")),
        ("django.request", "Not Found: %s", (f"/s/{token}",)),
    ):
        # pytest attaches capture handlers of its own; check the ones settings.LOGGING made
        handlers = [h for h in logging.getLogger(name).handlers if type(h) is logging.StreamHandler]
        assert handlers, f"{name} must have its own handlers (configured in settings.LOGGING)"
        for handler in handlers:
            record = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)
            record.server_time = "27/Nov/2026 06:00:00"
            assert handler.filter(record)
            line = handler.format(record)
            assert token not in line and "/s/[token]" in line
