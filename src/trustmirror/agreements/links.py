"""Personal links to one's team's agreements, for people who do not log in.

A follow link works like a survey link (:mod:`trustmirror.surveys.tokens`): 128 random bits
in the link, only their SHA-256 stored. It opens the agreements of the person's own team and
lets an owner check in; nothing else (no results, no other team). Every reminder e-mail
carries a fresh one, valid for :data:`VALID_DAYS`.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from trustmirror.agreements.models import FollowLink
from trustmirror.orgs.models import Person
from trustmirror.surveys.tokens import looks_like_token, new_token, token_hash

__all__ = ["VALID_DAYS", "follow_link_issue", "follow_link_person"]

#: A link in a reminder stays valid this long: to the next check-in and a little beyond.
VALID_DAYS = 120


def follow_link_issue(person: Person, *, today: dt.date | None = None) -> str:
    """A new link token for ``person``; only its hash is stored. Returns the token."""
    today = today or timezone.localdate()
    token = new_token()
    FollowLink.objects.create(
        person=person,
        token_hash=token_hash(token),
        expires_on=today + dt.timedelta(days=VALID_DAYS),
    )
    return token


def follow_link_person(token: str, *, today: dt.date | None = None) -> Person | None:
    """The person whose valid link ``token`` is, or None (unknown, malformed or expired)."""
    if not looks_like_token(token):
        return None
    today = today or timezone.localdate()
    link = (
        FollowLink.objects.select_related("person__organisation", "person__unit")
        .filter(token_hash=token_hash(token), expires_on__gte=today)
        .first()
    )
    return link.person if link is not None else None
