"""mozilla-django-oidc's backend, letting in people rather than anyone with an address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from trustmirror.sso.services import (
    FAILED,
    UNVERIFIED,
    SignInRefused,
    email_is_confirmed,
    person_sign_in,
)


class PersonBackend(OIDCAuthenticationBackend):
    """Signs in the account of the :class:`Person` whose confirmed e-mail the provider gives.

    The library exchanges the code (with PKCE), checks the ID token's signature against the
    provider's keys and its nonce; this class adds the checks the library leaves out (issuer,
    audience, the userinfo's subject) and replaces its "any user with this e-mail" matching
    by :func:`~trustmirror.sso.services.person_sign_in`.
    """

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != settings.TRUSTMIRROR_OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token authorised for another client")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]):
        claims = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: userinfo about anyone else must not be used.
        if claims.get("sub") != payload.get("sub"):
            raise SignInRefused(FAILED)
        email = str(claims.get("email") or "").strip()
        if not email or not email_is_confirmed(
            claims, trusted_domains=settings.TRUSTMIRROR_OIDC_TRUSTED_DOMAINS
        ):
            raise SignInRefused(UNVERIFIED, email=email)
        return person_sign_in(email=email)
