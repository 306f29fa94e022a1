"""The e-mails themselves: an invitation, a new link or a reminder, in the person's language.

Each is plain text with an HTML alternative. The HTML loads nothing from anywhere (no images,
no fonts, no tracking pixel) and its links carry nothing but the survey link itself: the
system neither learns nor wants to learn whether a message was opened.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from trustmirror.delivery.models import Message
from trustmirror.orgs.models import Organisation, Person
from trustmirror.surveys.answering import instrument_for
from trustmirror.surveys.models import Invitation, Scan

__all__ = [
    "HEADERS",
    "LinkSource",
    "compose_message",
    "link_source",
    "message_language",
    "person_language",
    "subject_for",
]

LANGUAGES = ("nl", "en")
#: Headers that keep out-of-office replies and auto-responders from answering a mailing.
HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def person_language(person: Person, organisation: Organisation | None = None) -> str:
    """The language the system writes to ``person`` in: theirs, else their organisation's
    default (``organisation``, when the caller has it at hand), else English."""
    language = person.language
    if language in LANGUAGES:
        return language
    default = (organisation or person.organisation).default_language
    return default if default in LANGUAGES else "en"


def message_language(invitation: Invitation) -> str:
    return person_language(invitation.person, invitation.scan.organisation)


def subject_for(kind: str, scan: Scan) -> str:
    """The subject of a message of ``kind``, in the active language."""
    if kind == Message.INVITATION:
        return _("Your invitation to the trust scan “%(scan)s”") % {"scan": scan.name}
    if kind == Message.NEW_LINK:
        return _("Your new link for the trust scan “%(scan)s”") % {"scan": scan.name}
    return _("Reminder: the trust scan “%(scan)s” is open until %(date)s") % {
        "scan": scan.name,
        "date": date_format(scan.closes_on),
    }


@dataclass(frozen=True)
class LinkSource:
    """Where a person's link is, as far as the system knows: a reminder points there."""

    kind: str  # "email", "letter" or "none"
    message_kind: str = ""
    sent_on: dt.date | None = None


def link_source(invitation: Invitation) -> LinkSource:
    """The latest e-mail that carried the person's link, or their letter, or nothing known."""
    latest = (
        Message.objects.filter(
            invitation=invitation, kind__in=Message.WITH_LINK, state=Message.SENT
        )
        .order_by("-pk")
        .values_list("kind", "sent_on")
        .first()
    )
    if latest is not None:
        return LinkSource("email", message_kind=latest[0], sent_on=latest[1])
    if invitation.scan.delivery == Scan.LETTERS and invitation.token_hash:
        return LinkSource("letter")
    return LinkSource("none")


def _absolute(path: str) -> str:
    return settings.TRUSTMIRROR_BASE_URL + path


def compose_message(message: Message, *, token: str | None) -> EmailMultiAlternatives:
    """The e-mail for ``message``; ``token`` is the new link's token for the kinds with a link.

    The token goes into the message and nowhere else: not into the database, not into a log.
    """
    invitation = message.invitation
    scan = invitation.scan
    language = message_language(invitation)
    if (message.kind in Message.WITH_LINK) != (token is not None):
        raise ValueError("a link goes with invitations and new links, and only with them")
    with translation.override(language):
        context = {
            "language": language,
            "person": invitation.person,
            "scan": scan,
            "organisation": scan.organisation,
            "k": scan.min_group_size,
            # The expected time of the scan's own form (a pulse takes far less than a full scan).
            "minutes": instrument_for(scan).minutes,
            "opens_on": date_format(scan.opens_on),
            "closes_on": date_format(scan.closes_on),
            "link": _absolute(f"/s/{token}") if token else "",
            "lost_url": _absolute(reverse("delivery:lost-link")),
            "privacy_url": _absolute(reverse("privacy")),
            "subject": subject_for(message.kind, scan),
        }
        if message.kind == Message.REMINDER:
            source = link_source(invitation)
            context["source"] = source.kind
            if source.kind == "email":
                context["source_subject"] = subject_for(source.message_kind, scan)
                context["source_date"] = date_format(source.sent_on) if source.sent_on else ""
        template = f"delivery/email/{message.kind}"
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
        email = EmailMultiAlternatives(
            subject=context["subject"],
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[invitation.person.email],
            headers={**HEADERS, "Content-Language": language},
        )
        email.attach_alternative(html, "text/html")
    return email
