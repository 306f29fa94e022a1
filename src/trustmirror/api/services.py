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
    "api_token_create",
    "api_token_for",
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


def api_token_for(token: str) -> ApiToken | None:
    """The active token ``token`` is, or None (unknown, malformed or revoked)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    found = (
        ApiToken.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .select_related("organisation")
        .first()
    )
    if found is not None:
        today = timezone.localdate()
        if found.last_used_on != today:
            ApiToken.objects.filter(pk=found.pk).update(last_used_on=today)
            found.last_used_on = today
    return found


def api_token_from_header(authorization: str) -> ApiToken | None:
    """The active token an ``Authorization: Bearer <token>`` header carries, or None."""
    scheme, _space, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return api_token_for(token.strip())
