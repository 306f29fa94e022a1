"""Staff sessions time out when idle, and passwords are long (security review, Info).

Carla (consultant, tests/conftest.py) signs in, works, walks away from her laptop.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

PASSWORD = "correct-horse-battery"
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def clock(monkeypatch):
    """``clock.at(moment)``: from now on Django's timezone.now() says ``moment``."""

    class Clock:
        def at(self, moment: dt.datetime) -> None:
            monkeypatch.setattr(timezone, "now", lambda: moment)

    return Clock()


def _expires(client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_idle_timeout_is_eight_hours_by_default():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_a_staff_session_slides_while_used_and_ends_when_idle(client, acme, clock):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    dashboard = reverse("orgs:dashboard", kwargs={"org": "acme"})
    clock.at(start)
    response = client.post(reverse("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302
    assert _expires(client) == start + 8 * HOUR
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 60 * 60

    # Seven hours later she is still signed in, and the eight hours start again.
    clock.at(start + 7 * HOUR)
    assert client.get(dashboard).status_code == 200
    assert _expires(client) == start + 15 * HOUR

    # Eight hours and a minute after her last request, the session is gone.
    clock.at(start + 15 * HOUR + dt.timedelta(minutes=1))
    response = client.get(dashboard)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_idle_timeout_is_configurable(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SESSION_COOKIE_AGE)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "trustmirror.settings",
            "TRUSTMIRROR_DATA_DIR": str(tmp_path),
            "TRUSTMIRROR_SESSION_IDLE_MINUTES": "30",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "1800", result.stderr


@pytest.mark.parametrize("password", ["Tr0mbone-9x", "kwartel-7Hv", "a1b2c3d4e5f"])
def test_passwords_shorter_than_twelve_characters_are_refused(password):
    assert len(password) == 11
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert "at least 12 characters" in " ".join(error.value.messages)


def test_a_twelve_character_password_is_accepted():
    validate_password("Tr0mbone-9xQ")


def test_common_passwords_of_twelve_characters_stay_refused():
    with pytest.raises(ValidationError):
        validate_password("qwerty123456")
