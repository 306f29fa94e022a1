"""Single sign-on's settings, read from ``TRUSTMIRROR_OIDC_*`` environment variables.

:func:`oidc_settings` returns the Django settings that turn it on (mozilla-django-oidc's
``OIDC_*`` and Trustmirror's own), or only ``TRUSTMIRROR_OIDC_ENABLED = False`` when
``TRUSTMIRROR_OIDC_CLIENT_ID`` is not set. Like the other helpers of :mod:`trustmirror.env`, a
bad or missing value fails at start-up with ``ImproperlyConfigured`` naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

PREFIX = "TRUSTMIRROR_OIDC_"
ENDPOINTS = {
    # our variable: mozilla-django-oidc's setting
    "AUTHORIZATION_ENDPOINT": "OIDC_OP_AUTHORIZATION_ENDPOINT",
    "TOKEN_ENDPOINT": "OIDC_OP_TOKEN_ENDPOINT",
    "USERINFO_ENDPOINT": "OIDC_OP_USER_ENDPOINT",
    "JWKS_ENDPOINT": "OIDC_OP_JWKS_ENDPOINT",
}
SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")


def _url(environ: Mapping[str, str], name: str) -> str:
    raw = environ.get(name, "").strip()
    if not raw:
        raise ImproperlyConfigured(f"With {PREFIX}CLIENT_ID, set {name} as well")
    parts = urlsplit(raw)
    # The client secret, the tokens and the e-mail address travel over these: HTTPS only.
    if parts.scheme != "https" or not parts.netloc or parts.fragment:
        raise ImproperlyConfigured(f"{name} must be an https:// URL, got {raw!r}")
    return raw


def _secret(environ: Mapping[str, str], name: str) -> str:
    raw = environ.get(name, "").strip()
    if not raw:
        raise ImproperlyConfigured(f"With {PREFIX}CLIENT_ID, set {name} as well")
    path = Path(raw)
    if not path.is_file():
        raise ImproperlyConfigured(f"{name} points to {path}, which is not a file")
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        raise ImproperlyConfigured(f"{name} ({path}) is empty")
    return secret


def _domains(environ: Mapping[str, str], name: str) -> list[str]:
    domains = [part.strip().lower().lstrip("@") for part in environ.get(name, "").split(",")]
    domains = [domain for domain in domains if domain]
    for domain in domains:
        if "." not in domain or "@" in domain or "/" in domain or " " in domain:
            raise ImproperlyConfigured(
                f"{name} must list e-mail domains such as example.org, separated by commas; "
                f"{domain!r} is not one"
            )
    return domains


def oidc_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Django settings for single sign-on from ``environ`` (the process environment)."""
    environ = os.environ if environ is None else environ
    client_id = environ.get(f"{PREFIX}CLIENT_ID", "").strip()
    if not client_id:
        stray = sorted(n for n in environ if n.startswith(PREFIX) and environ[n].strip())
        if stray:
            raise ImproperlyConfigured(
                f"{stray[0]} is set but {PREFIX}CLIENT_ID is not; set {PREFIX}CLIENT_ID to turn "
                f"single sign-on on, or remove {stray[0]}"
            )
        return {"TRUSTMIRROR_OIDC_ENABLED": False}

    scopes = environ.get(f"{PREFIX}SCOPES", "").split() or ["openid", "email", "profile"]
    if "openid" not in scopes or "email" not in scopes:
        raise ImproperlyConfigured(
            f"{PREFIX}SCOPES must include openid and email (people are matched by e-mail), "
            f"got {' '.join(scopes)!r}"
        )
    algorithm = environ.get(f"{PREFIX}SIGN_ALGO", "").strip() or "RS256"
    if algorithm not in SIGN_ALGORITHMS:
        raise ImproperlyConfigured(
            f"{PREFIX}SIGN_ALGO must be one of {'/'.join(SIGN_ALGORITHMS)}, got {algorithm!r}"
        )
    issuer = _url(environ, f"{PREFIX}ISSUER")

    config: dict[str, Any] = {
        "TRUSTMIRROR_OIDC_ENABLED": True,
        # The words after "Sign in with" on the login page: "Microsoft", "Google", ...
        "TRUSTMIRROR_OIDC_LABEL": environ.get(f"{PREFIX}LABEL", "").strip(),
        # The ID token's "iss" must be exactly this (mozilla-django-oidc does not check it).
        "TRUSTMIRROR_OIDC_ISSUER": issuer,
        # Addresses in these domains count as confirmed even when the provider sends no
        # email_verified (Microsoft Entra ID): only domains the organisation's own provider
        # controls (README).
        "TRUSTMIRROR_OIDC_TRUSTED_DOMAINS": _domains(environ, f"{PREFIX}TRUSTED_DOMAINS"),
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": _secret(environ, f"{PREFIX}CLIENT_SECRET_FILE"),
        "OIDC_RP_SCOPES": " ".join(scopes),
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
        # A provider that does not answer must not hold a web worker for ever.
        "OIDC_TIMEOUT": 10,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:callback",
        "OIDC_CREATE_USER": False,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    for variable, setting in ENDPOINTS.items():
        config[setting] = _url(environ, PREFIX + variable)
    return config
