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


def test_postgresql_url_selects_postgresql(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "trustmirror.settings",
            "TRUSTMIRROR_DATA_DIR": str(tmp_path),
            "TRUSTMIRROR_DATABASE_URL": "postgresql://u@127.0.0.1:5432/db",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_proxy_settings_are_read(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TRUSTMIRROR_BEHIND_PROXY, s.TRUSTMIRROR_PROXY_HOPS, "
        "[str(n) for n in s.TRUSTMIRROR_TRUSTED_PROXIES])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "trustmirror.settings",
            "TRUSTMIRROR_DATA_DIR": str(tmp_path),
            "TRUSTMIRROR_BEHIND_PROXY": "1",
            "TRUSTMIRROR_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::1",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True 1 ['10.0.0.0/8', '2001:db8::1/128']", result.stderr
