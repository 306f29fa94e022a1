"""Single sign-on's environment variables: on only when complete, a bad value named at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from trustmirror.sso.config import oidc_settings
from trustmirror.sso.services import email_is_confirmed

ENTRA = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000"


@pytest.fixture
def environ(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    return {
        "TRUSTMIRROR_OIDC_CLIENT_ID": "client",
        "TRUSTMIRROR_OIDC_CLIENT_SECRET_FILE": str(secret),
        "TRUSTMIRROR_OIDC_ISSUER": f"{ENTRA}/v2.0",
        "TRUSTMIRROR_OIDC_AUTHORIZATION_ENDPOINT": f"{ENTRA}/oauth2/v2.0/authorize",
        "TRUSTMIRROR_OIDC_TOKEN_ENDPOINT": f"{ENTRA}/oauth2/v2.0/token",
        "TRUSTMIRROR_OIDC_USERINFO_ENDPOINT": "https://graph.microsoft.com/oidc/userinfo",
        "TRUSTMIRROR_OIDC_JWKS_ENDPOINT": f"{ENTRA}/discovery/v2.0/keys",
        "TRUSTMIRROR_OIDC_TRUSTED_DOMAINS": "Example.org, @example.nl",
        "TRUSTMIRROR_OIDC_LABEL": "Microsoft",
    }


def test_off_without_a_client_id():
    assert oidc_settings({"PATH": "/usr/bin"}) == {"TRUSTMIRROR_OIDC_ENABLED": False}
    assert oidc_settings({"TRUSTMIRROR_OIDC_CLIENT_ID": " "}) == {"TRUSTMIRROR_OIDC_ENABLED": False}


def test_complete_configuration(environ):
    config = oidc_settings(environ)

    assert config["TRUSTMIRROR_OIDC_ENABLED"] is True
    assert config["OIDC_RP_CLIENT_SECRET"] == "s3cret"
    assert config["OIDC_OP_USER_ENDPOINT"] == "https://graph.microsoft.com/oidc/userinfo"
    assert config["OIDC_RP_SCOPES"] == "openid email profile"
    assert config["OIDC_USE_PKCE"] is True and config["OIDC_USE_NONCE"] is True
    assert config["TRUSTMIRROR_OIDC_TRUSTED_DOMAINS"] == ["example.org", "example.nl"]
    assert config["TRUSTMIRROR_OIDC_LABEL"] == "Microsoft"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"TRUSTMIRROR_OIDC_TOKEN_ENDPOINT": ""}, "set TRUSTMIRROR_OIDC_TOKEN_ENDPOINT"),
        ({"TRUSTMIRROR_OIDC_ISSUER": ""}, "set TRUSTMIRROR_OIDC_ISSUER"),
        ({"TRUSTMIRROR_OIDC_CLIENT_SECRET_FILE": ""}, "CLIENT_SECRET_FILE as well"),
        ({"TRUSTMIRROR_OIDC_CLIENT_SECRET_FILE": "/nonexistent"}, "which is not a file"),
        (
            {"TRUSTMIRROR_OIDC_JWKS_ENDPOINT": "http://login.example.org/keys"},
            "TRUSTMIRROR_OIDC_JWKS_ENDPOINT must be an https:// URL",
        ),
        ({"TRUSTMIRROR_OIDC_SCOPES": "openid profile"}, "must include openid and email"),
        ({"TRUSTMIRROR_OIDC_SIGN_ALGO": "HS256"}, "must be one of RS256"),
        ({"TRUSTMIRROR_OIDC_TRUSTED_DOMAINS": "example.org,*"}, "'*' is not one"),
        (
            {"TRUSTMIRROR_OIDC_CLIENT_ID": ""},
            "TRUSTMIRROR_OIDC_AUTHORIZATION_ENDPOINT is set but TRUSTMIRROR_OIDC_CLIENT_ID",
        ),
    ],
)
def test_bad_or_missing_values_are_named(environ, change, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        oidc_settings({**environ, **change})


@pytest.mark.parametrize(
    ("claims", "confirmed"),
    [
        ({"email": "a@other.org", "email_verified": True}, True),
        ({"email": "a@other.org", "email_verified": "true"}, True),
        ({"email": "a@other.org", "email_verified": False}, False),
        ({"email": "a@other.org"}, False),
        ({"email": "a@Example.ORG"}, True),
        # A trusted domain's sub-domain is another domain: not trusted.
        ({"email": "a@evil.example.org"}, False),
        ({"email": "a@example.org.evil.com"}, False),
    ],
)
def test_which_addresses_count_as_confirmed(claims, confirmed):
    assert email_is_confirmed(claims, trusted_domains=["example.org"]) is confirmed


def test_settings_turn_it_on_from_the_environment(tmp_path, environ):
    """The real settings module, in a fresh process: the backend is there, passwords stay."""
    from tests.test_settings import check

    assert check(tmp_path, **environ).returncode == 0
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTMIRROR_")}
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.AUTHENTICATION_BACKENDS, settings.OIDC_OP_TOKEN_ENDPOINT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={
            **clean,
            **environ,
            "TRUSTMIRROR_DATA_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "trustmirror.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "django.contrib.auth.backends.ModelBackend" in result.stdout
    assert "trustmirror.sso.backends.PersonBackend" in result.stdout
    assert f"{ENTRA}/oauth2/v2.0/token" in result.stdout

    broken = check(tmp_path, **{**environ, "TRUSTMIRROR_OIDC_ISSUER": "login.example.org"})
    assert broken.returncode != 0
    assert "TRUSTMIRROR_OIDC_ISSUER must be an https:// URL" in broken.stderr
