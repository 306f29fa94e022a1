"""Creating, revoking and recognising API tokens; every change is in the audit."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from trustmirror.api.models import ApiToken
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.models import Organisation

__all__ = [
    "PREFIX",
    "TokenRefused",
    "api_token_authenticate",
    "api_token_create",
    "api_token_from_header",
    "api_token_revoke",
    "token_hash",
]

PREFIX = "tm_"  # tells a leaked token apart in logs and secret scanners
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(
    *, organisation: Organisation, name: str, scope: str, created_by: AbstractBaseUser | None
) -> tuple[ApiToken, str]:
    """A new token of ``organisation``: the model and the token itself, to be shown once."""
    if scope not in (ApiToken.READ, ApiToken.WRITE):
        raise ValueError(f"unknown scope {scope!r}: use read or write")
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    api_token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        scope=scope,
        token_hash=token_hash(token),
        created_by=created_by,
    )
    audit_record(
        user=created_by,
        organisation=organisation,
        action=AuditEvent.API_TOKEN_CREATE,
        target=f"token {api_token.pk} {name} ({scope})",
    )
    return api_token, token


@transaction.atomic
def api_token_revoke(*, api_token: ApiToken, by: AbstractBaseUser | None) -> None:
    """Revoke ``api_token`` for good (revoking it again changes nothing)."""
    if api_token.revoked_at is not None:
        return
    api_token.revoked_at = timezone.now()
    api_token.save(update_fields=["revoked_at"])
    audit_record(
        user=by,
        organisation=api_token.organisation,
        action=AuditEvent.API_TOKEN_REVOKE,
        target=f"token {api_token.pk} {api_token.name}",
    )


class TokenRefused(Exception):
    """Why an ``Authorization`` header names no active token: one of the reasons below."""

    MISSING = "missing"  # no header, or an empty one
    NOT_BEARER = "not-bearer"  # another scheme ("Token x", "Basic ..."), or a bare token
    NO_TOKEN = "no-token"  # "Bearer" and nothing after it
    SEVERAL = "several"  # more than one word after "Bearer" (two tokens, a token with spaces)
    UNKNOWN = "unknown"  # no token of this site, or not one at all
    REVOKED = "revoked"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _bearer(authorization: str) -> str:
    """The token of ``Bearer <token>`` (RFC 6750: the scheme in any capitals)."""
    words = authorization.split()
    if not words:
        raise TokenRefused(TokenRefused.MISSING)
    if words[0].lower() != "bearer":
        raise TokenRefused(TokenRefused.NOT_BEARER)
    if len(words) == 1:
        raise TokenRefused(TokenRefused.NO_TOKEN)
    if len(words) > 2:
        raise TokenRefused(TokenRefused.SEVERAL)
    return words[1]


def api_token_authenticate(authorization: str) -> ApiToken:
    """The active token that an ``Authorization`` header carries; else :class:`TokenRefused`.

    Telling a revoked token from an unknown one reveals nothing: only who holds the token
    can send it, and they are helped by knowing that it was revoked rather than mistyped.
    """
    token = _bearer(authorization)
    # Every token is ASCII of a known length; anything else is never hashed or looked up.
    if not token.startswith(PREFIX) or len(token) > 100 or not token.isascii():
        raise TokenRefused(TokenRefused.UNKNOWN)
    found = (
        ApiToken.objects.filter(token_hash=token_hash(token)).select_related("organisation").first()
    )
    if found is None:
        raise TokenRefused(TokenRefused.UNKNOWN)
    if found.revoked_at is not None:
        raise TokenRefused(TokenRefused.REVOKED)
    today = timezone.localdate()
    if found.last_used_on != today:
        ApiToken.objects.filter(pk=found.pk).update(last_used_on=today)
        found.last_used_on = today
    return found


def api_token_from_header(authorization: str) -> ApiToken | None:
    """The active token an ``Authorization: Bearer <token>`` header carries, or None."""
    try:
        return api_token_authenticate(authorization)
    except TokenRefused:
        return None
