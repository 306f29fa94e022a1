"""Who a single sign-on is: the rules that match a provider's e-mail address to a person."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from mozilla_django_oidc.auth import default_username_algo

from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.orgs.models import Person

logger = logging.getLogger(__name__)

# Why a sign-in was refused; each has its own page (trustmirror.sso.views.REFUSALS).
UNVERIFIED = "unverified"
UNKNOWN = "unknown"
AMBIGUOUS = "ambiguous"
INACTIVE = "inactive"
FAILED = "failed"


class SignInRefused(Exception):
    """The provider signed someone in, but Trustmirror does not let them in; ``reason`` says why."""

    def __init__(self, reason: str, *, email: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.email = email


def email_is_confirmed(claims: Mapping[str, Any], *, trusted_domains: list[str]) -> bool:
    """Whether the provider vouches for ``claims["email"]`` belonging to whoever signed in.

    Either the provider says so (``email_verified``, as Google does; a few providers send it
    as the string "true"), or the address is in one of ``trusted_domains``: domains for which
    the organisation's own provider is the only one that hands out addresses (Microsoft Entra
    ID sends no ``email_verified``). An address anyone may type into their profile elsewhere
    must never open someone else's account.
    """
    email = str(claims.get("email") or "")
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.lower() == "true"):
        return True
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and domain in trusted_domains


def _username(email: str) -> str:
    """The new account's user name: the address itself when free, else a hash of it."""
    User = get_user_model()
    candidate = email.lower()
    if len(candidate) <= 150 and not User.objects.filter(username__iexact=candidate).exists():
        return candidate
    return default_username_algo(candidate)


@transaction.atomic
def person_sign_in(*, email: str) -> AbstractBaseUser:
    """The account of the person with ``email`` (any case), made and linked on first sign-in.

    - No person has the address: refused (``UNKNOWN``); no account is made for a stranger.
    - The people with the address (one per organisation at most) are linked to two or more
      different accounts: refused (``AMBIGUOUS``); an admin must decide which is theirs.
    - One of them is linked to an account: that account (``INACTIVE`` if it is switched off).
    - None is linked: a new account without a password, linked to the earliest of them (a
      person record links to one account only). It gets no role: what anyone may see comes
      from the roles an admin gives, exactly as for an account with a password.

    Each sign-in is recorded in the audit of the linked person's organisation.
    """
    people = list(
        Person.objects.select_for_update(of=("self",))
        .filter(email__iexact=email)
        .select_related("user", "organisation")
        .order_by("pk")
    )
    if not people:
        raise SignInRefused(UNKNOWN, email=email)
    accounts = {person.user_id for person in people if person.user_id is not None}
    if len(accounts) > 1:
        raise SignInRefused(AMBIGUOUS, email=email)
    if accounts:
        person = next(person for person in people if person.user_id is not None)
        user = person.user
        if not user.is_active:
            raise SignInRefused(INACTIVE, email=email)
    else:
        person = people[0]
        # No password: this account opens only through the provider.
        user = get_user_model().objects.create_user(_username(email), email=person.email)
        person.user = user
        person.save(update_fields=["user"])
        logger.info("single sign-on made an account for person %s", person.pk)
    audit_record(
        user=user,
        organisation=person.organisation,
        action=AuditEvent.SSO_SIGN_IN,
        target=f"person {person.pk}",
    )
    return user
