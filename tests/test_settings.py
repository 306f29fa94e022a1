"""The settings' environment variables (README, "Production and PostgreSQL") fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def check(tmp_path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "trustmirror.cli", "manage", "check"],
        env={**clean, "TRUSTMIRROR_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_printed(
    tmp_path, code: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``code`` (which sets Django up and prints settings) in a new process whose
    environment holds no TRUSTMIRROR_ variable but the data directory and ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "trustmirror.settings",
            "TRUSTMIRROR_DATA_DIR": str(tmp_path),
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRUSTMIRROR_DATABASE_URL": "mysql://x@y/z"}, "must be a postgresql:// or sqlite://"),
        ({"TRUSTMIRROR_CACHE_URL": "memcached://x"}, "TRUSTMIRROR_CACHE_URL must be a redis://"),
        ({"TRUSTMIRROR_DEBUG": "maybe"}, "TRUSTMIRROR_DEBUG must be one of"),
        ({"TRUSTMIRROR_DEFAULT_MIN_GROUP_SIZE": "2"}, "must be at least 3"),
        ({"TRUSTMIRROR_SECRET_KEY_FILE": "/nonexistent/key"}, "which is not a file"),
        ({"TRUSTMIRROR_SESSION_IDLE_MINUTES": "1"}, "must be at least 5"),
        ({"TRUSTMIRROR_SESSION_IDLE_MINUTES": "8h"}, "must be a whole number"),
        ({"TRUSTMIRROR_API_REQUESTS_PER_MINUTE": "0"}, "must be at least 1"),
        ({"TRUSTMIRROR_API_IMPORTS_PER_HOUR": "ten"}, "must be a whole number"),
        # The client address (rate limits) behind a proxy: never X-Forwarded-For by accident.
        (
            {"TRUSTMIRROR_PROXY_HOPS": "1"},
            "TRUSTMIRROR_PROXY_HOPS is set but TRUSTMIRROR_BEHIND_PROXY is off",
        ),
        (
            {"TRUSTMIRROR_TRUSTED_PROXIES": "10.0.0.2"},
            "TRUSTMIRROR_TRUSTED_PROXIES is set but TRUSTMIRROR_BEHIND_PROXY is off",
        ),
        (
            {
                "TRUSTMIRROR_BEHIND_PROXY": "1",
                "TRUSTMIRROR_PROXY_HOPS": "2",
                "TRUSTMIRROR_TRUSTED_PROXIES": "10.0.0.2",
            },
            "Set TRUSTMIRROR_PROXY_HOPS (how many proxies",
        ),
        (
            {"TRUSTMIRROR_BEHIND_PROXY": "1", "TRUSTMIRROR_PROXY_HOPS": "0"},
            "TRUSTMIRROR_PROXY_HOPS must be at least 1",
        ),
        (
            {"TRUSTMIRROR_BEHIND_PROXY": "1", "TRUSTMIRROR_PROXY_HOPS": "two"},
            "TRUSTMIRROR_PROXY_HOPS must be a whole number",
        ),
        (
            {"TRUSTMIRROR_BEHIND_PROXY": "1", "TRUSTMIRROR_TRUSTED_PROXIES": "10.0.0.1/8"},
            "'10.0.0.1/8' is neither",
        ),
        (
            {"TRUSTMIRROR_BEHIND_PROXY": "1", "TRUSTMIRROR_TRUSTED_PROXIES": "proxy.internal"},
            "TRUSTMIRROR_TRUSTED_PROXIES must list IP addresses or networks",
        ),
        ({"TRUSTMIRROR_EMAIL_PORT": "smtp"}, "TRUSTMIRROR_EMAIL_PORT must be a whole number"),
        ({"TRUSTMIRROR_EMAIL_TLS": "maybe"}, "TRUSTMIRROR_EMAIL_TLS must be one of"),
        ({"TRUSTMIRROR_EMAIL_FROM": "not an address"}, "TRUSTMIRROR_EMAIL_FROM must be an e-mail"),
        ({"TRUSTMIRROR_EMAIL_PER_MINUTE": "0"}, "TRUSTMIRROR_EMAIL_PER_MINUTE must be at least 1"),
        ({"TRUSTMIRROR_EMAIL_PASSWORD_FILE": "/nonexistent/pw"}, "which is not a file"),
        ({"TRUSTMIRROR_BASE_URL": "trust.example.org"}, "TRUSTMIRROR_BASE_URL must be a URL"),
        ({"TRUSTMIRROR_BASE_URL": "https://x.org/app"}, "TRUSTMIRROR_BASE_URL must be a URL"),
        ({"TRUSTMIRROR_EMAIL_HOST": "smtp.example.org"}, "set TRUSTMIRROR_EMAIL_FROM and"),
        ({"TRUSTMIRROR_EMAIL_USER": "trust"}, "Set both TRUSTMIRROR_EMAIL_USER and"),
        (
            {"TRUSTMIRROR_DEMO_MAILBOX": "1", "TRUSTMIRROR_PRODUCTION": "1"},
            "TRUSTMIRROR_DEMO_MAILBOX is for the demo",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(tmp_path, env, message):
    result = check(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_defaults_work_and_generate_private_secrets(tmp_path):
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("secret-key", "resume-secret"):
        path = tmp_path / name
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(path.read_text()) >= 32
    assert (tmp_path / "secret-key").read_text() != (tmp_path / "resume-secret").read_text()


def test_smtp_settings_come_from_the_environment(tmp_path):
    password = tmp_path / "smtp-password"
    password.write_text("s3cret\n")
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, "
        "s.TRUSTMIRROR_BASE_URL, s.TRUSTMIRROR_EMAIL_PER_MINUTE, sep='|')"
    )
    result = settings_printed(
        tmp_path,
        code,
        {
            "TRUSTMIRROR_EMAIL_HOST": "smtp.example.org",
            "TRUSTMIRROR_EMAIL_PORT": "465",
            "TRUSTMIRROR_EMAIL_TLS": "tls",
            "TRUSTMIRROR_EMAIL_USER": "trust",
            "TRUSTMIRROR_EMAIL_PASSWORD_FILE": str(password),
            "TRUSTMIRROR_EMAIL_FROM": "Trustmirror <trust@example.org>",
            "TRUSTMIRROR_BASE_URL": "https://trust.example.org/",
            "TRUSTMIRROR_EMAIL_PER_MINUTE": "30",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("|") == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "465",
        "trust",
        "s3cret",
        "False",
        "True",
        "Trustmirror <trust@example.org>",
        "https://trust.example.org",
        "30",
    ]


def test_without_a_mail_server_nothing_is_sent_anywhere(tmp_path):
    """Not the console backend: it would print every link to the log."""
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND)"
    )
    result = settings_printed(tmp_path, code)
    assert result.stdout.strip() == "trustmirror.delivery.mailbox.NotConfiguredBackend"


def test_postgresql_url_selects_postgresql(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    result = settings_printed(
        tmp_path,
        code,
        {
            "TRUSTMIRROR_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
        },
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_proxy_settings_are_read(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TRUSTMIRROR_BEHIND_PROXY, s.TRUSTMIRROR_PROXY_HOPS, "
        "[str(n) for n in s.TRUSTMIRROR_TRUSTED_PROXIES])"
    )
    result = settings_printed(
        tmp_path,
        code,
        {
            "TRUSTMIRROR_BEHIND_PROXY": "1",
            "TRUSTMIRROR_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1",
        },
    )
    assert result.stdout.strip() == "True 1 ['10.0.0.0/8', '2001:db8::1/128']", result.stderr


def test_api_rate_limits_are_read(tmp_path):
    """What the environment sets is what a token is held to; the other limits keep theirs."""
    code = (
        "import django; django.setup(); from trustmirror.ratelimit import _limits; "
        "limits = _limits(); print(limits['api'], limits['api_import'], limits['login'])"
    )
    result = settings_printed(
        tmp_path,
        code,
        {
            "TRUSTMIRROR_API_REQUESTS_PER_MINUTE": "120",
            "TRUSTMIRROR_API_IMPORTS_PER_HOUR": "4",
        },
    )
    assert result.stdout.strip() == "(120, 60) (4, 3600) (10, 600)", result.stderr
