"""A person's GDPR rights: an export of what is stored about them, and erasure.

What exists about a person is small: the :class:`~trustmirror.orgs.models.Person` row, one
:class:`~trustmirror.surveys.models.Invitation` per scan (which scan, and the hash of their
link) with the e-mails sent to them about it (:class:`~trustmirror.delivery.models.Message`:
what kind, how far it got, the day it was sent), and, for people who log in, their user
account's roles and the audit entries of what that account viewed. Their answers are not
among it: a response carries no person, and the only bridge to it needs the person's token,
which is stored nowhere. So the export cannot contain answers and erasure cannot (and need
not) delete them; they stay part of their group's results. The relational round is the
exception: it is confidential, not anonymous, so what a person gave in it is exported and
everything of it about them erased (:mod:`trustmirror.relational.gdpr`); so are the
agreements they own and the check-ins they made (:mod:`trustmirror.agreements.gdpr`). See
``docs/privacy.md``, "Your rights".

Both services write an audit entry without the person's name or e-mail address: the entry
must outlive the erasure without keeping what was erased.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext

from trustmirror.agreements.gdpr import agreements_erase, agreements_export
from trustmirror.audit.models import AuditEvent, audit_record
from trustmirror.delivery.models import Message
from trustmirror.orgs.models import Person, Role
from trustmirror.relational.gdpr import round_erase, round_export

__all__ = [
    "GDPR_ERASE",
    "GDPR_EXPORT",
    "ErasureSummary",
    "person_erase",
    "person_export",
]

# Audit actions. AuditEvent.action lists its choices, but .create() does not validate them;
# these two still want entries in AuditEvent.ACTION_CHOICES for a readable label.
GDPR_EXPORT = "gdpr_export"
GDPR_ERASE = "gdpr_erase"


@dataclass(frozen=True)
class ErasureSummary:
    """What :func:`person_erase` removed.

    A login account linked to the person is deleted too when, after its roles here are gone,
    it has no role anywhere and is not a staff account (``account_deleted``); otherwise it
    is kept for its other uses and ``account_kept`` names it.
    """

    person_id: int
    invitations: int
    roles: int
    account_deleted: bool = False
    account_kept: str | None = None


def _audit_target(person: Person) -> str:
    # The primary key only: a name or e-mail address here would survive the erasure.
    return f"person {person.pk}"


def person_export(*, person: Person, user=None) -> dict[str, Any]:
    """Everything stored about ``person``, as JSON-ready data, and an audit entry.

    Keys: ``organisation`` (name, slug), ``name``, ``email``, ``language``, ``unit`` (the
    unit's path), ``is_lead``, ``bands``, ``invitations`` (scan name and dates, oldest
    first, each with the e-mails sent about it: kind, state, day sent, a refusal's reason),
    ``account`` (``None``, or the login's name, e-mail, dates, roles in this
    organisation and the audit entries of what it did there) and ``answers`` (a sentence,
    in the person's language, saying why answers are not included). Hashes (of each survey
    link, of the password) are left out: they cannot be read back and are of no use to anyone.

    ``user`` is whoever asked for the export, for the audit log (``None`` on the command line).
    """
    organisation = person.organisation
    invitations = (
        person.invitations.select_related("scan")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("pk")))
        .order_by("scan__opens_on", "scan_id")
    )
    data: dict[str, Any] = {
        "organisation": {"name": organisation.name, "slug": organisation.slug},
        "name": person.name,
        "email": person.email,
        "language": person.language,
        "unit": person.unit.path,
        "is_lead": person.is_lead,
        "bands": dict(person.bands or {}),
        "invitations": [
            {
                "scan": invitation.scan.name,
                "opens_on": invitation.scan.opens_on.isoformat(),
                "closes_on": invitation.scan.closes_on.isoformat(),
                "messages": [
                    {
                        "kind": message.kind,
                        "state": message.state,
                        "sent_on": message.sent_on.isoformat() if message.sent_on else None,
                        "reason": message.reason,
                    }
                    for message in invitation.messages.all()
                ],
            }
            for invitation in invitations
        ],
        "account": _account_export(person),
        # The relational round is confidential, not anonymous: what the person gave is theirs.
        "relational_round": round_export(person),
        # Agreements are the team's, not anonymous: what the person owns and checked in.
        "agreements": agreements_export(person),
    }
    with translation.override(person.language):
        data["answers"] = gettext(
            "Your answers are not part of this export. They are stored without your name or "
            "any other link to you, so nobody, including us, can find out which answers are "
            "yours."
        )
    audit_record(
        user=user, organisation=organisation, action=GDPR_EXPORT, target=_audit_target(person)
    )
    return data


def _account_export(person: Person) -> dict[str, Any] | None:
    account = person.user
    if account is None:
        return None
    roles = Role.objects.filter(user=account, organisation=person.organisation).select_related(
        "unit"
    )
    events = AuditEvent.objects.filter(user=account, organisation=person.organisation).order_by(
        "at", "pk"
    )
    return {
        "username": account.get_username(),
        "email": getattr(account, "email", ""),
        "first_name": getattr(account, "first_name", ""),
        "last_name": getattr(account, "last_name", ""),
        "date_joined": _iso(getattr(account, "date_joined", None)),
        "last_login": _iso(account.last_login),
        "roles": sorted(
            ({"role": role.kind, "unit": role.unit.path if role.unit else None} for role in roles),
            key=lambda role: (role["role"], role["unit"] or ""),
        ),
        "audit_log": [
            {"at": event.at.isoformat(), "action": event.action, "target": event.target}
            for event in events
        ],
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


@transaction.atomic
def person_erase(*, person: Person, user=None) -> ErasureSummary:
    """Delete ``person``, their invitations and their login's roles in the organisation.

    Their survey links stop working. Responses are not touched: none is linked to the person,
    so a submitted one keeps counting in the unit it was submitted in, and an unfinished draft
    stays unreachable and is never counted. A login account is deleted as well when nothing
    else uses it (see :class:`ErasureSummary`); the audit log stays, holding what was viewed,
    never answers.

    ``user`` is whoever asked for the erasure, for the audit log (``None`` on the command line).
    """
    organisation = person.organisation
    person_id = person.pk
    invitations = person.invitations.count()
    round_erase(person)  # found through the invitations: before they go
    agreements_erase(person)
    person.invitations.all().delete()
    account = person.user
    roles = 0
    if account is not None:
        account_roles = Role.objects.filter(user=account, organisation=organisation)
        roles = account_roles.count()
        account_roles.delete()
    audit_record(
        user=user, organisation=organisation, action=GDPR_ERASE, target=_audit_target(person)
    )
    person.delete()
    if account is None:
        return ErasureSummary(person_id=person_id, invitations=invitations, roles=roles)
    if account.is_staff or account.is_superuser or Role.objects.filter(user=account).exists():
        return ErasureSummary(
            person_id=person_id,
            invitations=invitations,
            roles=roles,
            account_kept=account.get_username(),
        )
    # Its audit entries stay, no longer naming the account (AuditEvent.user is SET_NULL).
    account.delete()
    return ErasureSummary(
        person_id=person_id, invitations=invitations, roles=roles, account_deleted=True
    )
